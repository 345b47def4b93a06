/**
 * What /verify and /trust share: showing the one safety number to compare, and
 * trusting exactly the number shown (issue 10: the y/n must not accept whatever
 * key is pending by the time the user answers).
 */
import { isNatterError } from '../../../util/errors.js';
import type { ContactInfo } from '../../index.js';
import { pendingKeysPanel, verifyPanel } from '../panels.js';
import { sanitize } from '../text.js';
import { findUserOrSay, nobodyRegistered } from './lookup.js';
import type { CommandHost } from './types.js';

/**
 * Shows `name`'s safety number and asks y/n; 'y' trusts that number and no other.
 * With several changed keys pending, `key` (1-based) picks the one to compare;
 * without it, every pending key is listed and nothing is asked. A contact verified
 * already, with no new key, is shown (to compare again) and not asked about.
 */
export async function compareAndAsk(host: CommandHost, name: string, key?: number): Promise<void> {
  const contact = await contactOrLookup(host, name);
  if (contact === undefined) return;
  const who = sanitize(contact.pseudonym);
  const pending = contact.pendingKeys;
  if (key === undefined && pending.length > 1) {
    host.showPanel(pendingKeysPanel(contact));
    host.notice(
      `${pending.length} new keys wait for ${who}: /verify ${who} N compares key N`,
      'warn',
    );
    return;
  }
  const index = key ?? 1;
  const chosen = pending[index - 1];
  if (chosen === undefined && (key !== undefined || pending.length > 0)) {
    const range = pending.length === 0 ? 'no new key' : `new keys 1 to ${pending.length}`;
    host.notice(`${who} has ${range}: /verify ${who}`, 'error');
    return;
  }
  const shown = chosen?.safetyNumber ?? host.core.fingerprint(contact.pseudonym);
  host.showPanel(
    verifyPanel(
      contact,
      shown,
      chosen === undefined
        ? undefined
        : { index, of: pending.length, fingerprint: chosen.fingerprint },
    ),
  );
  if (chosen === undefined && contact.verified) {
    host.notice(`${who} is verified ✓ already: nothing to answer (Esc closes)`, 'info');
    return;
  }
  const question =
    chosen === undefined
      ? `mark ${who} verified? (y/n)`
      : `accept ${who}'s new key ${chosen.fingerprint}? (y/n)`;
  host.ask(question, () => trustContact(host, contact.pseudonym, shown));
}

/**
 * `name`'s contact; someone not written to yet is looked up on the relay and pinned, as a
 * first message would, so two people can compare before either writes (a trial found
 * "safety numbers exist after a first message"). Says why not when there is none.
 */
export async function contactOrLookup(
  host: CommandHost,
  name: string,
): Promise<ContactInfo | undefined> {
  const known = host.core.contact(name);
  if (known !== undefined) return known;
  const found = await findUserOrSay(host, name);
  if (found === null) return undefined;
  if (found === 'known') return host.core.contact(name);
  const who = sanitize(name);
  host.notice(
    found === 'self'
      ? `${who} is you: others compare your fingerprint with theirs`
      : found === 'unknown'
        ? nobodyRegistered(name)
        : `${who} is no contact yet, and the relay cannot be asked now: try again once connected`,
    'error',
  );
  return undefined;
}

/** Trusts `name`'s key whose safety number is `safetyNumber`, and says what changed. */
export async function trustContact(
  host: CommandHost,
  name: string,
  safetyNumber: string,
): Promise<void> {
  let result: Awaited<ReturnType<CommandHost['core']['trust']>>;
  try {
    result = await host.core.trust(name, { safetyNumber });
  } catch (err) {
    if (!isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH')) throw err;
    const who = sanitize(name);
    host.notice(
      `not accepted: ${who}'s key changed meanwhile (E_SAFETY_NUMBER_MISMATCH); /verify ${who} again`,
      'error',
    );
    return;
  }
  host.state.contactUpdate(result.contact);
  const who = sanitize(result.contact.pseudonym);
  const others =
    result.discarded.length === 0 ? '' : `; ${result.discarded.length} other new key(s) dropped`;
  host.notice(
    result.accepted
      ? `accepted ${who}'s new key, held messages released${others}`
      : `${who} is verified ✓`,
    'info',
  );
}
