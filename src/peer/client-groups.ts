/**
 * The group half of the client's API (issue 11, docs/groups.md); NatterClient (client.ts)
 * extends it, so the UI and the CLI see one facade.
 */
import { ClientReading } from './client-reading.js';
import type { ClientComponents } from './components.js';
import type { ConversationId } from './conversations/ids.js';
import type { GroupInfo, GroupUpdate } from './events.js';
import { markHidden } from './groups/adders.js';

export class ClientGroups extends ClientReading {
  protected constructor(c: ClientComponents) {
    super(c);
  }

  // Groups (issue 11, docs/groups.md). A group ref is a group's name (or '#name'), its
  // conversation id, or a unique prefix of its id: E_UNKNOWN_GROUP, E_AMBIGUOUS_GROUP.
  // Membership changes need the relay: each resolves once the relay applied it (and it
  // came back verified), and rejects with the relay's code (E_GROUP_NOT_ADMIN, ...) if
  // refused, or with the same code before asking when this client's check refuses it.

  /**
   * A new group: me its admin, `members` (pseudonyms; contacts, or else looked up and
   * pinned) its members. E_BAD_GROUP_NAME, E_GROUP_NAME_TAKEN (a group I am in has that
   * name), E_UNKNOWN_USER, E_KEY_CHANGED (trust() first), E_SELF, E_OFFLINE.
   */
  async createGroup(name: string, members: string[]): Promise<GroupInfo> {
    return this.c.groups.create(name, members);
  }

  /** Adds `member` (a pseudonym); they get the group from now on, nothing sent before. */
  async addToGroup(group: string, member: string): Promise<GroupInfo> {
    return this.c.groups.add(group, member);
  }

  /** Removes a member (E_NOT_GROUP_MEMBER); a new epoch starts: they read nothing after. */
  async removeFromGroup(group: string, member: string): Promise<GroupInfo> {
    return this.c.groups.about(group, 'remove', member);
  }

  async promoteInGroup(group: string, member: string): Promise<GroupInfo> {
    return this.c.groups.about(group, 'promote', member);
  }

  /** E_GROUP_LAST_ADMIN for the only admin. */
  async demoteInGroup(group: string, member: string): Promise<GroupInfo> {
    return this.c.groups.about(group, 'demote', member);
  }

  /** E_BAD_GROUP_NAME, E_GROUP_NAME_TAKEN (another group I am in has that name). */
  async renameGroup(group: string, newName: string): Promise<GroupInfo> {
    return this.c.groups.rename(group, newName);
  }

  /** Leaves (the only admin promotes someone first: E_GROUP_LAST_ADMIN); kept read-only. */
  async leaveGroup(group: string): Promise<void> {
    await this.c.groups.leave(group);
  }

  /**
   * Membership changes applied and refused ('group:changed', 'group:warning') that no
   * UI has taken yet, oldest first; each is returned exactly once, like takeDamaged():
   * a change that came while another command was connected is still told.
   */
  async takeGroupUpdates(): Promise<GroupUpdate[]> {
    const out: GroupUpdate[] = [];
    for (const u of await this.c.groups.takeUpdates()) {
      if (u.type !== 'changed') out.push(u);
      else {
        // As the group is now too: an update kept from before its leave went is as hidden.
        const now = this.c.groups.list().find((g) => g.groupId === u.group.groupId);
        const hidden =
          (await this.hiding(u.group, u.addedBy)).hidden ??
          (now === undefined ? undefined : (await this.hiding(now)).hidden);
        out.push(hidden ? { ...u, group: { ...u.group, hidden } } : u);
      }
    }
    return out;
  }

  /** Every group I am in or was in (myRole null), by name; `hidden` set as markHidden says. */
  async groups(): Promise<GroupInfo[]> {
    const out: GroupInfo[] = [];
    for (const g of this.c.groups.list()) out.push(await this.hiding(g));
    return out;
  }

  private hiding(g: GroupInfo, addedBy?: string): Promise<GroupInfo> {
    const me = this.c.me.userId;
    return markHidden(this.c.store, (id) => this.c.blocks.has(id), me, g, addedBy);
  }

  async group(ref: string): Promise<GroupInfo> {
    return this.c.groups.info(ref);
  }

  /**
   * Queues a message to every member durably (sealed once; it goes out when connected)
   * and returns its id. E_NOT_GROUP_MEMBER, E_EMPTY_MESSAGE, E_TOO_LARGE.
   */
  async sendToGroup(
    group: string,
    text: string,
  ): Promise<{ msgId: string; conversation: ConversationId }> {
    const sent = await this.c.groups.send(group, text);
    this.c.events.emit('message:queued', sent);
    return sent;
  }
}
