/**
 * How a refusal of my own change is said, in the words of the one who asked: the log's
 * words name ids and seqs ("group change 3 (add): the target is already a member").
 */
import type { GroupRole } from '../../crypto/group-change.js';
import { GroupCode } from '../../crypto/group-errors.js';
import { toHex } from '../../util/bytes.js';
import { NatterError } from '../../util/errors.js';
import type { GroupChange } from '../../wire/types.js';
import type { ChangeBody } from './membership.js';

/** inWords' phrase for a refusal of my own `op`, or null to keep the log's words. */
export function refusalWords(
  code: string,
  op: ChangeBody['op'],
  group: string,
  who: string,
  role: GroupRole | null,
): string | null {
  if (code === GroupCode.NotAdmin) {
    return `only an admin of ${group} can ${op} (its members and their roles: group show)`;
  }
  if (code === GroupCode.LastAdmin)
    return `you are the only admin of ${group}: promote someone first`;
  if (op === 'add' && role !== null) return `${who} is in ${group} already`;
  if (op === 'promote' && role === 'admin') return `${who} is an admin of ${group} already`;
  if (op === 'demote' && role === 'member') return `${who} is not an admin of ${group}`;
  if (op === 'rename') return `${group} has that name already`;
  return null;
}

/** The start of what is said when another change came first. */
export const raced = (name: string) => `group: someone else changed #${name} at the same moment`;

/** The relay's codes for a member it will not let my change bring in (src/relay/errors.ts). */
const FULL = 'E_GROUP_TOO_MANY_GROUPS';
const FROM_ONE = 'E_GROUP_TOO_MANY_FROM_ONE';

/**
 * The relay's refusal of my change `change`, as the error to throw, its code kept. A
 * member it will not let in is named in its reason by their id's first 16 hex digits:
 * said here by the name I know them by (`nameOf`), never the hex.
 */
export function relayRefusal(
  result: { code: string; reason: string },
  change: GroupChange,
  nameOf: (userHex: string) => string,
): NatterError {
  const { code, reason } = result;
  const who = code === FULL || code === FROM_ONE ? refusedMember(reason, change) : undefined;
  if (who !== undefined) {
    const name = nameOf(who);
    const words =
      code === FULL
        ? `${name} is in as many groups as the relay allows; they must leave one before anyone can add them to another`
        : `you have put ${name} in as many of their groups as one person may; they can leave one of those, or someone else can add them`;
    return new NatterError(code, `group: ${words}`);
  }
  // The code is printed after the message (cli/errors.ts); the relay says why.
  return new NatterError(
    code,
    `group: the relay refused to ${change.op}${reason ? `: ${reason}` : ''}`,
  );
}

/** The member `change` brings in whose id begins the relay's `reason`'s hex, if any. */
function refusedMember(reason: string, change: GroupChange): string | undefined {
  const joined =
    change.op === 'create'
      ? change.members.map((m) => toHex(m.userId))
      : change.op === 'add'
        ? [toHex(change.target)]
        : [];
  const prefix = /\b([0-9a-f]{16})…/.exec(reason)?.[1];
  if (prefix !== undefined) return joined.find((hex) => hex.startsWith(prefix));
  return joined.length === 1 ? joined[0] : undefined;
}
