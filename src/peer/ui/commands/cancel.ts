/**
 * /cancel [ID]: takes back a file I sent, as `natter outbox cancel ID` does: an upload
 * under way stops, and one whole on the relay is withdrawn (the relay deletes it). Either
 * way its recipients see it cancelled by the sender; one who fetched it keeps their copy.
 * Without an ID, my newest send in the open conversation that is not over (a QA trial:
 * the chat had no way to take a file back at all).
 */
import type { TransferInfo } from '../../index.js';
import { fileLabel } from '../file-words.js';
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import { checkRef } from './accept.js';
import type { CommandHost, SlashCommand } from './types.js';

/** A send of mine someone may still fetch: not yet all on the relay, or whole there. */
const takeable = (t: TransferInfo) =>
  t.direction === 'upload' &&
  (t.state === 'waiting' || t.state === 'running' || t.state === 'done');

export const cancel: SlashCommand<'cancel'> = {
  name: 'cancel',
  usage: '/cancel [ID]',
  summary: 'take back a file you sent (no ID: your newest here); who has it keeps it',
  parse: ({ first, more }) =>
    more > 0 ? null : first === '' ? { kind: 'cancel' } : checkRef('cancel', first),
  async run(cmd, host) {
    const t = pickSend(host, cmd.ref);
    if (t === null) return;
    await host.core.cancelTransfer(t.id);
    const whole = t.state === 'done';
    // '@bob' is the CLI's spelling; the chat names a person bare and a group with '#'.
    const who = sanitize(t.peer.replace(/^@/, ''));
    host.notice(
      whole
        ? `withdrew ${fileLabel(t)} from ${who}: the relay deletes it, and they see it cancelled by the sender (anyone who fetched it keeps their copy)`
        : `cancelled sending ${fileLabel(t)} to ${who}: the upload stops, and they see it cancelled by the sender`,
    );
  },
};

/** The send `ref` names, or my newest in the open conversation; null: said why. */
function pickSend(host: CommandHost, ref: string | undefined): TransferInfo | null {
  const mine = host.core.transfers().filter(takeable);
  if (ref !== undefined) {
    const found = mine.filter((t) => t.id.startsWith(ref));
    if (found.length === 1 && found[0] !== undefined) return found[0];
    host.notice(
      found.length === 0
        ? `no file of yours that can still be taken back has id ${ref}`
        : `${ref} matches ${found.length} files: give more digits`,
      'error',
    );
    return null;
  }
  const conv = host.state.active();
  const here =
    conv === undefined
      ? []
      : mine.filter(
          (t) =>
            host.state.files.conversationOf(t) === conv.id ||
            t.peer === (conv.kind === 'group' ? labelOf(conv) : `@${conv.name}`),
        );
  const newest = here.at(-1);
  if (newest === undefined)
    host.notice(
      conv === undefined
        ? 'no conversation open: /cancel ID takes back a file by its id'
        : 'no file of yours here can still be taken back',
      'error',
    );
  return newest ?? null;
}
