/**
 * What `natter send` prints and how it fails, from the messages' states: the same
 * whether it sent alone or through the running client (issue 13).
 */
import { type ContactInfo, normalizePseudonym, pseudonymKey } from '../peer/index.js';
import type { MessageState } from './delivery.js';
import { CliCode, cliError } from './errors.js';
import { safeJson, sanitize } from './format.js';
import { groupLabel } from './group-format.js';
import type { Target } from './send-input.js';

/** With --json, one line per message: its state and, if refused, why. */
export function printStates(
  states: MessageState[],
  opts: { json?: boolean },
  out: (line: string) => void,
): void {
  if (!opts.json) return;
  for (const { msgId, state, reason } of states) out(safeJson({ msgId, state, reason }));
}

/**
 * Prints states; fails (exit 1) if any message was refused or is held for a key
 * change. `groupName`: the group's name now, for a group send.
 */
export function report(
  states: MessageState[],
  opts: { json?: boolean },
  out: (line: string) => void,
  target: Target,
  groupName: string | undefined,
  /** A direct send: groupInsteadHint's clause ('' for none). */
  groupHint = '',
): void {
  printStates(states, opts, out);
  const held = states.filter((s) => s.state === 'held').length;
  const failed = states.find((s) => s.state === 'failed');
  const failure = failed === undefined ? undefined : (failed.reason ?? 'refused');
  if (target.kind === 'group') {
    const label = groupLabel(groupName ?? target.group);
    if (held > 0) {
      throw cliError(
        CliCode.KeyChanged,
        `${held} message(s) to ${label} held: a member's key changed; find them with natter contacts, compare safety numbers (natter fingerprint NAME), then run natter trust NAME`,
      );
    }
    // The relay knows the membership before this profile does (removed while away).
    // 'unknown-recipient': a profile from before the reason was not-a-member.
    if (failure === 'not-a-member' || failure === 'unknown-recipient') {
      throw cliError(
        CliCode.NotGroupMember,
        `the relay refused the message: you are no longer a member of ${label} (natter inbox brings the change)`,
      );
    }
    if (failure !== undefined)
      throw cliError(CliCode.SendFailed, `the relay refused the message to ${label}: ${failure}`);
    return;
  }
  const to = sanitize(target.to);
  if (held > 0) {
    throw cliError(
      CliCode.KeyChanged,
      `${to}'s key changed: ${held} message(s) held; compare safety numbers (natter fingerprint ${to}), then run natter trust ${to}`,
    );
  }
  if (failure === 'unknown-recipient') {
    throw cliError(
      CliCode.UnknownUser,
      `nobody is registered as '${to}' on this relay${groupHint}`,
    );
  }
  if (failure !== undefined)
    throw cliError(CliCode.SendFailed, `the relay refused the message: ${failure}`);
}

/**
 * Said on stderr when `send --to NAME` writes to someone I blocked: the message goes (a
 * user may write to them), but their answers are dropped unseen, which a trial's user did
 * not know. `contacts`: the profile's, with `blocked` set (ContactInfo.blocked).
 */
export function blockedNote(
  target: Target,
  contacts: readonly Pick<ContactInfo, 'pseudonym' | 'blocked'>[],
): string | null {
  if (target.kind !== 'direct') return null;
  const key = pseudonymKey(normalizePseudonym(target.to));
  const c = contacts.find((x) => pseudonymKey(x.pseudonym) === key);
  if (c?.blocked !== true) return null;
  const who = sanitize(c.pseudonym);
  return `natter: ${who} is blocked: you will not see replies (natter unblock ${who})`;
}
