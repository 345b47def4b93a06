/**
 * Asking the relay about a name from a slash command (/msg, /verify, /trust): what
 * findUser learned (someone registered is pinned, as a first message would pin them), or
 * null once a name nobody can have was said in the core's words.
 */
import { describeError } from '../../../util/errors.js';
import type { UserFound } from '../../index.js';
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
