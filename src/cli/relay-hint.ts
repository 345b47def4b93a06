/**
 * "On this relay" said with the relay named (seventeenth sitting's newcomer trial: two
 * relays on one LAN had split new users, and E_UNKNOWN_USER named neither relay nor id):
 * its address and short id, and, when the LAN's presence shows the person online, that
 * they may be registered on another relay. Presence is LAN-wide; a relay knows only its own.
 */
import { type NatterClient, pseudonymKey, relayFingerprint } from '../peer/index.js';
import { sanitize } from './format.js';

/** ' (HOST:PORT, relay id FP)' and the other-relay clause; '' when no relay was reached. */
export function unknownOnRelay(
  client: Pick<NatterClient, 'relayReached' | 'online'>,
  name: string,
): string {
  const relay = client.relayReached();
  const where =
    relay === null
      ? ''
      : ` (${sanitize(relay.address)}, relay id ${relayFingerprint(relay.relayId)})`;
  const key = pseudonymKey(name);
  const onLan = client
    .online()
    .some((p) => pseudonymKey(p.pseudonym) === key && p.source !== 'relay');
  if (!onLan) return where;
  return `${where}; '${sanitize(name)}' is online on the LAN, so they may be registered on another relay: ask which relay they use (natter fingerprint --relay shows this profile's)`;
}
