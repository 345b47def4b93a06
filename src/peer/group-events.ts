/** The group payloads of the core's events (events.ts; issue 11, docs/groups.md). */
import type { ConversationId } from './conversations/ids.js';

/** One member of a group (docs/groups.md), as the core knows them. */
export interface GroupMemberInfo {
  /** Hex. */
  userId: string;
  /** From the member's signed card; peer text, sanitise before display. */
  pseudonym: string;
  fingerprint: string;
  role: 'admin' | 'member';
}

/** A group as this client's verified copy of its membership log says it is now. */
export interface GroupInfo {
  conversation: ConversationId;
  /** Hex, 16 bytes. */
  groupId: string;
  /** Chosen by an admin: peer text, sanitise before display. */
  name: string;
  /** Goes up whenever a member goes (removed or left): sender keys are renewed then. */
  epoch: number;
  /** In the order they joined. */
  members: GroupMemberInfo[];
  /** null: I was removed or left (the group is kept, read-only). */
  myRole: 'admin' | 'member' | null;
  /**
   * Names it had before a rename, oldest first, each with who renamed it away from that
   * name (its log's); absent when never renamed. Peer text, sanitise before display.
   */
  formerNames?: { name: string; by: string }[];
  /**
   * Set by groups() and takeGroupUpdates() when a key I block put me in it and I am not
   * in it (left, or leaving): a UI shows it nowhere; `group list --all` marks it.
   */
  hidden?: true;
}

/** A membership change applied ('group:changed'): `group` is the group after it. */
export interface GroupChanged {
  group: GroupInfo;
  notice: GroupNotice;
  /** The change's place in the group's log: with the group's id, the change (history entries). */
  seq: number;
  /** Our clock, when it was applied. */
  atMs: number;
  /** The change made me a member (an add, a create naming me): its author's user id, hex. */
  addedBy?: string;
}

/** A membership change refused ('group:warning'): `code` is the check that failed (E_GROUP_...). */
export interface GroupWarning {
  conversation: ConversationId;
  groupName: string;
  code: string;
  reason: string;
}

/**
 * A 'group:changed' or 'group:warning' as kept until a UI takes it
 * (takeGroupUpdates()): whichever command was connected when it came (`natter send`
 * receives group items too), the next `natter inbox` or `natter chat` can still tell.
 */
export type GroupUpdate =
  | ({ type: 'changed' } & GroupChanged)
  | ({ type: 'warning'; atMs: number } & GroupWarning);

/** One membership change, in the words a conversation shows ("alice added carol"); names are pseudonyms. */
export type GroupNotice =
  | { kind: 'created'; by: string }
  | { kind: 'added' | 'removed' | 'promoted' | 'demoted'; by: string; member: string }
  | { kind: 'renamed'; by: string; from: string; to: string }
  | { kind: 'left'; member: string };
