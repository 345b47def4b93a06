/**
 * The groups the screen knows, as the core last described them (GroupInfo from
 * groups() at start and from every 'group:changed'): names, members and roles.
 * Pure: ChatState owns one and keeps each group's conversation beside it.
 */
import type { ConversationId, GroupInfo } from '../index.js';
import { nameKey } from './text.js';

export class GroupBook {
  private readonly byId = new Map<ConversationId, GroupInfo>();

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

  /** Members' pseudonyms (not `me`), in the core's order: what Tab offers in a group. */
  memberNames(id: string, me: string): string[] {
    const members = this.get(id)?.members ?? [];
    return members.map((m) => m.pseudonym).filter((n) => nameKey(n) !== nameKey(me));
  }

  /** True while `name` is a member of the group `id`. */
  hasMember(id: string, name: string): boolean {
    return (this.get(id)?.members ?? []).some((m) => nameKey(m.pseudonym) === nameKey(name));
  }

  /** The groups `name` is a member of: where a change of their key is told too. */
  sharedWith(name: string): GroupInfo[] {
    return this.all().filter((g) => this.hasMember(g.conversation, name));
  }
}
