/**
 * Who is registered on this relay: user id -> card, pseudonym key -> user id.
 * Held in memory (a LAN has hundreds of users, not millions) and written
 * through to LevelDB with `sync: true` before a registration is confirmed.
 */
import { fromHex, toHex } from '../util/bytes.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card } from '../wire/types.js';
import type { RelayBatchOp, RelayDb } from './store.js';

const USER_PREFIX = 'u1!';
const NAME_PREFIX = 'n1!';

// Cards are stored as an encoded lookup-result frame: the codec validates them on the way back in.
function encodeCard(card: Card): Uint8Array {
  return encodeFrame({ type: 'lookup-result', requestId: 0, card, online: false });
}

function decodeCard(bytes: Uint8Array): Card | null {
  try {
    const f = decodeFrame(bytes);
    return f.type === 'lookup-result' ? f.card : null;
  } catch {
    return null;
  }
}

export class Directory {
  private readonly byId = new Map<string, Card>();
  private readonly byName = new Map<string, string>();

  constructor(private readonly db: RelayDb) {}

  async open(): Promise<void> {
    for await (const [key, value] of this.db.iterator({ gt: USER_PREFIX, lt: `${USER_PREFIX}~` })) {
      const card = decodeCard(value);
      if (card === null) continue;
      const idHex = key.slice(USER_PREFIX.length);
      this.byId.set(idHex, card);
      this.byName.set(pseudonymKey(card.pseudonym), idHex);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  byUserId(idHex: string): Card | undefined {
    return this.byId.get(idHex);
  }

  byPseudonym(name: string): Card | undefined {
    const idHex = this.byName.get(pseudonymKey(name));
    return idHex === undefined ? undefined : this.byId.get(idHex);
  }

  /** The user id that owns a pseudonym (case-insensitively), if any. */
  ownerOf(name: string): string | undefined {
    return this.byName.get(pseudonymKey(name));
  }

  /**
   * Stores a card durably. The caller has checked that the pseudonym is free or
   * already this user's; a user who registers a new pseudonym gives up the old one.
   */
  async put(card: Card): Promise<void> {
    const idHex = toHex(card.userId);
    const old = this.byId.get(idHex);
    const ops: RelayBatchOp[] = [
      { type: 'put', key: USER_PREFIX + idHex, value: encodeCard(card) },
      { type: 'put', key: NAME_PREFIX + pseudonymKey(card.pseudonym), value: fromHex(idHex) },
    ];
    const oldKey = old ? pseudonymKey(old.pseudonym) : undefined;
    if (oldKey !== undefined && oldKey !== pseudonymKey(card.pseudonym)) {
      ops.push({ type: 'del', key: NAME_PREFIX + oldKey });
    }
    await this.db.batch(ops, { sync: true });
    if (oldKey !== undefined) this.byName.delete(oldKey);
    this.byId.set(idHex, card);
    this.byName.set(pseudonymKey(card.pseudonym), idHex);
  }
}
