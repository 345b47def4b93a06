/**
 * The groups the screen knows, as the core last described them (GroupInfo from
 * groups() at start and from every 'group:changed'): names, members and roles.
 * Pure: ChatState owns one and keeps each group's conversation beside it.
 */
import {
  type ConversationId,
  type GroupInfo,
  groupNameKey,
  MIN_GROUP_ID_PREFIX_CHARS,
} from '../index.js';
import { nameKey } from './text.js';

export class GroupBook {
  private readonly byId = new Map<ConversationId, GroupInfo>();
  /** Names my groups had before a rename this screen saw (name key -> the group). */
  private readonly former = new Map<string, ConversationId>();

  /** The core's newest description of a group replaces the one held. */
  set(info: GroupInfo): void {
    this.byId.set(info.conversation, info);
  }

  get(id: string): GroupInfo | undefined {
    return this.byId.get(id as ConversationId);
  }

  all(): GroupInfo[] {
    return [...this.byId.values()];
  }

  /** Group `id` was called `from` until a rename. */
  renamed(from: string, id: ConversationId): void {
    this.former.set(groupNameKey(from), id);
  }

  /**
   * The group called `name` until a rename, if it is called something else now, and who
   * renamed it away from that name when the core says (GroupInfo.formerNames, its log's: a
   * chat opened after the rename knows it too).
   */
  formerly(name: string): { group: GroupInfo; by?: string } | undefined {
    const key = groupNameKey(name);
    for (const group of this.all()) {
      const was = group.formerNames?.findLast((f) => groupNameKey(f.name) === key);
      if (was !== undefined && groupNameKey(group.name) !== key) return { group, by: was.by };
    }
    const group = this.get(this.former.get(key) ?? '');
    return group !== undefined && groupNameKey(group.name) !== key ? { group } : undefined;
  }

  /**
   * What tells group `id` from others of mine with its name (case-insensitive, as the core
   * compares): the shortest prefix of its id, at least MIN_GROUP_ID_PREFIX_CHARS hex digits,
   * that no other group's id starts with (so `/msg #` and it opens this one). Null while no
   * other group has its name. Others name the groups they add me to, so names can repeat.
   */
  idTag(id: string): string | null {
    const group = this.get(id);
    if (group === undefined) return null;
    const key = groupNameKey(group.name);
    const others = this.all().filter((g) => g.conversation !== group.conversation);
    if (!others.some((g) => groupNameKey(g.name) === key)) return null;
    const shared = (n: number) =>
      others.some((g) => g.groupId.startsWith(group.groupId.slice(0, n)));
    let n = MIN_GROUP_ID_PREFIX_CHARS;
    while (n < group.groupId.length && shared(n)) n++;
    return group.groupId.slice(0, n);
  }

  /** Members' pseudonyms (not `me`), in the core's order: what Tab offers in a group. */
  memberNames(id: string, me: string): string[] {
    const members = this.get(id)?.members ?? [];
    return members.map((m) => m.pseudonym).filter((n) => nameKey(n) !== nameKey(me));
  }

  /** True while `name` is a member of the group `id`. */
  hasMember(id: string, name: string): boolean {
    return (this.get(id)?.members ?? []).some((m) => nameKey(m.pseudonym) === nameKey(name));
  }

  /** `name`'s role in group `id`, or null when they are not in it. */
  roleOf(id: string, name: string): 'admin' | 'member' | null {
    const found = this.get(id)?.members.find((m) => nameKey(m.pseudonym) === nameKey(name));
    return found?.role ?? null;
  }

  /** The groups `name` is a member of: where a change of their key is told too. */
  sharedWith(name: string): GroupInfo[] {
    return this.all().filter((g) => this.hasMember(g.conversation, name));
  }
}
