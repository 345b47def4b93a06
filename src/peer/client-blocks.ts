/**
 * Blocking, the client's side only (blocks.ts): NatterClient (client.ts) extends this, so
 * the UI and the CLI see one facade. A block is of a key: the name given is resolved to
 * the contact's pinned key (E_UNKNOWN_CONTACT otherwise; the CLI looks the name up on the
 * relay first, as `send --to` would, control-lookup.ts). What a block does is in
 * messaging/incoming.ts, groups/receive.ts and core-wiring.ts.
 */
import { toHex } from '../util/bytes.js';
import { normalizePseudonym, pseudonymKey } from '../wire/text.js';
import { type BlockedUser, userOf } from './blocks.js';
import { ClientOnline } from './client-online.js';
import type { ClientComponents } from './components.js';
import { PeerCode, peerError } from './errors.js';
import type { GroupInfo } from './events.js';
import { adderOf } from './groups/adders.js';

export type { BlockedUser } from './blocks.js';

/** What block() and unblock() did: `changed` false when it was so already. */
export interface BlockResult {
  user: BlockedUser;
  changed: boolean;
}

export class ClientBlocks extends ClientOnline {
  protected constructor(c: ClientComponents) {
    super(c);
  }

  /**
   * Blocks the key pinned for contact `name`, from now on: their 1:1 mail is acknowledged
   * and dropped, their file offers declined, their group messages not shown, a group they
   * add me to left. E_SELF, E_UNKNOWN_CONTACT, E_BAD_PSEUDONYM.
   */
  async block(name: string): Promise<BlockResult> {
    const { userId, pseudonym } = this.keyOf(name, 'block');
    const changed = await this.c.blocks.block(userId, pseudonym, this.c.clock.now());
    const user = this.c.blocks.list().find((b) => b.userId === userId);
    if (changed) this.toldBlocked(userId);
    return { user: user ?? userOf(userId, pseudonym, 0), changed };
  }

  /**
   * Lifts a block: `name` is a blocked user's name as it was when blocked, or a contact's
   * whose key is blocked. Nothing dropped meanwhile comes back. E_UNKNOWN_CONTACT when it is neither.
   */
  async unblock(name: string): Promise<BlockResult> {
    const listed = this.c.blocks.byName(normalizePseudonym(name));
    const key = listed ?? this.keyOf(name, 'unblock');
    const user =
      this.c.blocks.list().find((b) => b.userId === key.userId) ??
      userOf(key.userId, key.pseudonym, 0);
    const changed = await this.c.blocks.unblock(user.userId);
    if (changed) this.toldBlocked(user.userId);
    return { user, changed };
  }

  /** 'contact:blocked' for each contact with key `userId` (a UI marks them; blocked or not). */
  private toldBlocked(userId: string): void {
    const blocked = this.c.blocks.has(userId);
    for (const c of this.c.contacts.list())
      if (c.userId === userId) this.c.events.emit('contact:blocked', { ...c, blocked });
  }

  /** Every blocked user, by name. */
  blocked(): BlockedUser[] {
    return this.c.blocks.list();
  }

  /** The groups I am in that `name` (a contact, or a blocked user's name) put me in. */
  async groupsAddedBy(name: string): Promise<GroupInfo[]> {
    const listed = this.c.blocks.byName(normalizePseudonym(name));
    const userId = listed?.userId ?? this.keyOf(name, 'group leave').userId;
    const out: GroupInfo[] = [];
    for (const g of await this.c.groups.list()) {
      if (g.myRole === null) continue;
      if ((await adderOf(this.c.store, g.groupId, this.c.me.userId)) === userId) out.push(g);
    }
    return out;
  }

  private keyOf(name: string, what: string): { userId: string; pseudonym: string } {
    const normal = normalizePseudonym(name);
    if (pseudonymKey(normal) === pseudonymKey(this.c.me.pseudonym))
      throw peerError(PeerCode.Self, `${what}: '${name}' is you`);
    const contact = this.c.contacts.get(normal);
    if (contact === undefined)
      throw peerError(PeerCode.UnknownContact, `${what}: '${name}' is not a contact`);
    return { userId: toHex(contact.card.userId), pseudonym: contact.pseudonym };
  }
}
