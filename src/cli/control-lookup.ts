/**
 * `natter fingerprint NAME` and `natter trust NAME` for a name that is not a contact yet:
 * the relay is asked for NAME's card, pinned as a first message would pin it, and the
 * safety number shown, so two people can compare before either writes (a new-user trial
 * found no way to verify before a first message: E_UNKNOWN_CONTACT). Alone and through a
 * running client alike (control-ops.ts).
 */
import type { NatterClient } from '../peer/index.js';
import { isNatterError } from '../util/errors.js';
import { FAIL_FAST_MS, runningLinkUp } from './connect.js';
import { CliCode, cliError } from './errors.js';
import { sanitize } from './format.js';

/** How long a lookup waits for the relay: as long as `send` does by default. */
export const LOOKUP_WAIT_MS = 30_000;

/**
 * The safety number shared with `name`, who is made a contact first if not one yet;
 * E_UNKNOWN_USER if the relay knows nobody by it. The core's own refusals (E_SELF, a bad
 * name) as they are.
 */
export async function safetyNumberOf(
  t: Pick<NatterClient, 'fingerprint' | 'connect' | 'findUser'>,
  name: string,
): Promise<string> {
  try {
    return t.fingerprint(name);
  } catch (err) {
    if (!isNatterError(err, 'E_UNKNOWN_CONTACT')) throw err;
  }
  await runningLinkUp(t, LOOKUP_WAIT_MS, FAIL_FAST_MS);
  const found = await t.findUser(name);
  if (found === 'known') return t.fingerprint(name);
  const who = sanitize(name);
  if (found === 'self') {
    throw cliError(CliCode.Self, `'${who}' is you: natter fingerprint alone shows yours`);
  }
  if (found === 'unknown') {
    throw cliError(CliCode.UnknownUser, `nobody is registered as '${who}' on this relay`);
  }
  throw cliError(CliCode.RelayUnreachable, `cannot ask the relay about '${who}' now`);
}
