/**
 * Who a FilePut goes to (docs/files.md "Through the relay"): the named users, each
 * registered here and none of them the uploader, or the other members of a group the
 * uploader is in. Pure: the relay's directory and group registry are passed in.
 */
import { toHex } from '../../util/bytes.js';
import type { FileRecipients } from '../../wire/types.js';
import { FileCode, type FileRefusal } from './codes.js';

/** What the recipients are checked against (RelayFilesOptions supplies both). */
export interface RecipientDirectory {
  /** Whether a user id (hex) is registered here. */
  isRegistered(userHex: string): boolean;
  /** A group's current members (user id hex), or undefined for an unknown group. */
  groupMembers(gidHex: string): readonly string[] | undefined;
}

/** The recipients' user ids (hex, each once), or why the put is refused. */
export function fileRecipients(
  uploaderHex: string,
  r: FileRecipients,
  dir: RecipientDirectory,
): string[] | FileRefusal {
  if ('groupId' in r) {
    const members = dir.groupMembers(toHex(r.groupId));
    if (!members?.includes(uploaderHex)) {
      return { code: FileCode.NotMember, reason: 'file: you are not a member of this group' };
    }
    const others = members.filter((m) => m !== uploaderHex);
    if (others.length === 0) {
      return { code: FileCode.NoRecipient, reason: 'file: nobody else is in this group' };
    }
    return others;
  }
  const to = [...new Set(r.to.map(toHex))];
  for (const hex of to) {
    if (hex === uploaderHex || !dir.isRegistered(hex)) {
      return { code: FileCode.NoRecipient, reason: 'file: a recipient is not registered here' };
    }
  }
  return to;
}
