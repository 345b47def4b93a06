/**
 * `natter fingerprint NAME` and `natter trust NAME [--safety-number N]` for a name that is not a contact yet:
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
import { unknownOnRelay } from './relay-hint.js';

/** How long a lookup waits for the relay: as long as `send` does by default. */
export const LOOKUP_WAIT_MS = 30_000;

/**
 * The safety number shared with `name`, who is made a contact first if not one yet;
 * E_UNKNOWN_USER if the relay knows nobody by it. The core's own refusals (E_SELF, a bad
 * name) as they are.
 */
export function safetyNumberOf(
  t: Pick<NatterClient, 'fingerprint' | 'connect' | 'findUser' | 'relayReached' | 'online'>,
  name: string,
): Promise<string> {
  return asContact(t, name, () => t.fingerprint(name));
}

/**
 * `op` on contact `name`; when it fails E_UNKNOWN_CONTACT, `name` is looked up on the relay,
 * pinned, and `op` run again. So `trust NAME --safety-number N` takes the number compared
 * before anyone wrote, as `trust NAME` and `fingerprint NAME` show it (a new-user trial
 * found it saying "not a contact" where they had looked the name up). E_UNKNOWN_USER if the
 * relay knows nobody by it; the core's own refusals (E_SELF, a bad name) as they are.
 */
export async function asContact<T>(
  t: Pick<NatterClient, 'connect' | 'findUser' | 'relayReached' | 'online'>,
  name: string,
  op: () => T | Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!isNatterError(err, 'E_UNKNOWN_CONTACT')) throw err;
  }
  await runningLinkUp(t, LOOKUP_WAIT_MS, FAIL_FAST_MS);
  const found = await t.findUser(name);
  if (found === 'known') return op();
  const who = sanitize(name);
  if (found === 'self') {
    throw cliError(CliCode.Self, `'${who}' is you: natter fingerprint alone shows yours`);
  }
  if (found === 'unknown') {
    throw cliError(
      CliCode.UnknownUser,
      `nobody is registered as '${who}' on this relay${unknownOnRelay(t, name)}`,
    );
  }
  throw cliError(CliCode.RelayUnreachable, `cannot ask the relay about '${who}' now`);
}
