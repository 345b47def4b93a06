/** /msg NAME [TEXT] (alias /query): opens a conversation, and sends TEXT in it. */
import type { ChatState } from '../state.js';
import { nameKey } from '../text.js';
import type { SlashCommand } from './types.js';

export const msg: SlashCommand<'msg'> = {
  name: 'msg',
  aliases: ['query'],
  usage: '/msg NAME [TEXT]',
  summary: 'open a conversation (and send TEXT)',
  completes: 'name',
  parse: ({ first, tail }) =>
    first === '' ? null : { kind: 'msg', name: first, ...(tail === '' ? {} : { text: tail }) },
  async run(cmd, host) {
    if (nameKey(cmd.name) === nameKey(host.core.me.pseudonym)) {
      host.notice('that is you: pick someone else', 'error');
      return;
    }
    host.open(spelled(host.state, cmd.name));
    if (cmd.text !== undefined) await host.say(cmd.text);
  },
};

/** The user's spelling of a name if it matches someone known case-insensitively. */
function spelled(state: ChatState, name: string): string {
  return state.names().find((n) => nameKey(n) === nameKey(name)) ?? name;
}
