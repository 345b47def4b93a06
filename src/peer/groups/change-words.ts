/**
 * How a refusal of my own change is said, in the words of the one who asked: the log's
 * words name ids and seqs ("group change 3 (add): the target is already a member").
 */
import type { GroupRole } from '../../crypto/group-change.js';
import { GroupCode } from '../../crypto/group-errors.js';
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
