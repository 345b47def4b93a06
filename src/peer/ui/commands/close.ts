/**
 * /close: the conversation on screen leaves the list (issue 13: a typo such as
 * `/msg bad name` made an entry that stayed for good and won Tab completion). Its
 * history stays in the store: /msg NAME, or a new message, brings it back.
 */
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import type { SlashCommand } from './types.js';

export const close: SlashCommand<'close'> = {
  name: 'close',
  usage: '/close',
  summary: 'close this conversation (its history is kept)',
  parse: ({ text }) => (text === '' ? { kind: 'close' } : null),
  run(_cmd, host) {
    const conv = host.state.active();
    if (conv === undefined) {
      host.notice('no conversation open', 'error');
      return;
    }
    host.closeConversation(conv.id);
    const back =
      conv.kind === 'group'
        ? 'its next message brings it back'
        : `/msg ${sanitize(conv.name)} reopens it`;
    host.notice(`closed ${sanitize(labelOf(conv))}; the history is kept, ${back}`);
  },
};
