/**
 * Asking the relay about a name from a slash command (/msg, /verify, /trust): what
 * findUser learned (someone registered is pinned, as a first message would pin them), or
 * null once a name nobody can have was said in the core's words; and whom an old name of
 * a contact means now (holderOfOldName).
 */
import { describeError } from '../../../util/errors.js';
import type { UserFound } from '../../index.js';
import type { NoteKind } from '../state.js';
import { sanitize } from '../text.js';
import type { CommandHost } from './types.js';

export async function findUserOrSay(host: CommandHost, name: string): Promise<UserFound | null> {
  try {
    return await host.core.findUser(name);
  } catch (err) {
    // A name nobody can have (E_BAD_PSEUDONYM).
    host.notice(sanitize(describeError(err).message), 'error');
    return null;
  }
}

/** What a name the relay does not know is said as. */
export const nobodyRegistered = (name: string): string =>
  `nobody is registered as ${sanitize(name)} on this relay`;

/**
 * Whom `name`, an old name of a contact (ContactInfo.renamedTo), means now: the relay is
 * asked, as `send --to` asks (cli/send-renamed.ts, docs/decisions.md "Old names"), who
 * holds the contact's name now (which confirms the rename) and then `name`. Someone new
 * under it is their own (new, empty) conversation; otherwise the contact's under the name
 * they hold now. Never silently: `say` is the notice that tells which.
 */
export async function holderOfOldName(
  host: CommandHost,
  name: string,
  renamedTo: string,
): Promise<{ open: string; say: string; kind: NoteKind }> {
  const ask = (n: string) => host.core.askHolder(n).catch(() => 'unreachable' as const);
  const asked = await ask(renamedTo);
  if (asked !== 'unreachable') await ask(name);
  const was = sanitize(name);
  const now = host.core.contact(name);
  if (now !== undefined && now.renamedTo === undefined && !now.keyChanged) {
    const fingerprint = sanitize(now.fingerprint);
    return {
      open: now.pseudonym,
      say: `${was} here is someone new, a different person than the ${was} you knew (now ${sanitize(renamedTo)}): fingerprint ${fingerprint}, /verify ${was} to compare`,
      kind: 'warn',
    };
  }
  const to = now?.renamedTo ?? renamedTo;
  const unasked = asked === 'unreachable' ? ' (no relay to ask who holds the name now)' : '';
  return { open: to, say: `${was} is now ${sanitize(to)}${unasked}`, kind: 'info' };
}
