/**
 * The users I blocked, by key (user id), never by name: a name can be renamed away or
 * taken over by someone else (contacts.ts renamedTo), and a block must follow the person,
 * not the name. Kept in the profile's store under v1!blocked!<user id hex>, read once at
 * open and held in memory, because every delivery asks (messaging/incoming.ts,
 * groups/receive.ts, groups/apply.ts). The relay never learns of it: what a block does
 * happens here, after the relay delivered (docs/decisions.md, "Blocking").
 */
import { fingerprint } from '../crypto/keys.js';
import { fromHex } from '../util/bytes.js';
import { pseudonymKey } from '../wire/text.js';
import type { KvOp, PeerStore } from './store.js';
import { PREFIX } from './store.js';

/** A blocked user, as `natter blocked` lists them. */
export interface BlockedUser {
  /** Hex, 32 bytes: what the block is about. */
  userId: string;
  /** The name they had when blocked (peer text: sanitise before display). */
  pseudonym: string;
  fingerprint: string;
  blockedAtMs: number;
}

/** The stored value (frozen, STYLE.md §11); the key holds the user id. */
interface StoredBlock {
  pseudonym: string;
  blockedAtMs: number;
}

const USER_ID_HEX = /^[0-9a-f]{64}$/;

export const blockKey = (userId: string) => PREFIX.blocked + userId;

export class Blocks {
  private constructor(
    private readonly store: PeerStore,
    private readonly byId: Map<string, BlockedUser>,
  ) {}

  /** Reads the list; a record that is not a user id's (a damaged store) is skipped, not fatal. */
  static async load(store: PeerStore): Promise<Blocks> {
    const byId = new Map<string, BlockedUser>();
    for await (const [key, v] of store.scan<StoredBlock>(PREFIX.blocked)) {
      const userId = key.slice(PREFIX.blocked.length);
      if (!USER_ID_HEX.test(userId) || typeof v?.pseudonym !== 'string') continue;
      const blockedAtMs = typeof v.blockedAtMs === 'number' ? v.blockedAtMs : 0;
      byId.set(userId, userOf(userId, v.pseudonym, blockedAtMs));
    }
    return new Blocks(store, byId);
  }

  /** Whether the key `userId` (hex) is blocked. */
  has(userId: string): boolean {
    return this.byId.has(userId);
  }

  /** Every blocked user, by name. */
  list(): BlockedUser[] {
    return [...this.byId.values()].sort(
      (a, b) => a.pseudonym.localeCompare(b.pseudonym) || a.userId.localeCompare(b.userId),
    );
  }

  /** The blocked user who had `name` when blocked, if any (unblock after they renamed). */
  byName(name: string): BlockedUser | undefined {
    const key = pseudonymKey(name);
    return this.list().find((b) => pseudonymKey(b.pseudonym) === key);
  }

  /** Blocks `userId` (durable when this resolves); false if it was blocked already. */
  async block(userId: string, pseudonym: string, atMs: number): Promise<boolean> {
    if (this.byId.has(userId)) return false;
    const stored: StoredBlock = { pseudonym, blockedAtMs: atMs };
    const ops: KvOp[] = [{ type: 'put', key: blockKey(userId), value: JSON.stringify(stored) }];
    await this.store.write(ops);
    this.byId.set(userId, userOf(userId, pseudonym, atMs));
    return true;
  }

  /** Lifts the block on `userId`; false if it was not blocked. */
  async unblock(userId: string): Promise<boolean> {
    if (!this.byId.has(userId)) return false;
    await this.store.write([{ type: 'del', key: blockKey(userId) }]);
    this.byId.delete(userId);
    return true;
  }
}

export function userOf(userId: string, pseudonym: string, blockedAtMs: number): BlockedUser {
  return { userId, pseudonym, fingerprint: fingerprint(fromHex(userId)), blockedAtMs };
}
