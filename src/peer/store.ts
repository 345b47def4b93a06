/**
 * The profile's local database: one LevelDB under `db/` holding the outbox,
 * history, contacts, seen-set and counters, each under its own key prefix.
 *
 * Modules above see a small key-value interface (`Kv`) with a LevelDB and an
 * in-memory implementation, so unit tests need no disk (STYLE.md §12). Writes go
 * through `write()`, which group-commits everything submitted in one event-loop
 * turn into one `sync: true` batch (DESIGN.md §4: ~70 k puts/s batched against
 * ~5.6 k/s one by one), so durability costs one fsync per turn, not per message.
 */

import { Level } from 'level';
import { isNatterError } from '../util/errors.js';
import { GroupCommit } from '../util/group-commit.js';
import { CounterKeys } from './counter-keys.js';
import { PeerCode, peerError } from './errors.js';

/**
 * Key prefixes, versioned (STYLE.md §11). Values are JSON, except under
 * `outbox2`, whose records are bytes (messaging/outbox-record.ts), and the group
 * log and receiver chains, stored as their codecs' bytes (groups/keys.ts).
 */
export const PREFIX = {
  meta: 'v1!meta!',
  contact: 'v1!contact!',
  outbox: 'v1!outbox!',
  outbox2: 'v2!outbox!',
  history: 'v1!hist!',
  /** Group changes in a group's history (messaging/history-events.ts). */
  historyEvent: 'v1!hevent!',
  historyEventById: 'v1!heventid!',
  /** Before issue 10: one global msg id namespace; read, never written. */
  historyById: 'v1!histid!',
  historyById2: 'v2!histid!',
  unread: 'v1!unread!',
  /** A deletion of a conversation's history under way (messaging/history-delete.ts). */
  historyDelete: 'v1!hdel!',
  /** A renamed contact's history moving to their name now (messaging/history-move.ts). */
  historyMove: 'v1!hmove!',
  /** Before issue 10: msg id alone → receive time; read and pruned, never written. */
  seen: 'v1!seen!',
  seen2: 'v2!seen!',
  seenByTime: 'v2!seenat!',
  inCounters: 'v1!inctr!',
  heldIn: 'v1!heldin!',
  damaged: 'v1!damaged!',
  notices: 'v1!notice!',
  /** Groups (issue 11; docs/groups.md "Client"; key layouts in groups/keys.ts). */
  groupState: 'v1!gstate!',
  groupLog: 'v1!glog!',
  groupSeq: 'v1!gseq!',
  senderChain: 'v1!gsend!',
  receiverChain: 'v1!grecv!',
  heldGroup: 'v1!gheld!',
  heldGroupTrust: 'v1!gtrust!',
  owedShare: 'v1!gowe!',
  memberName: 'v1!gname!',
  groupUpdates: 'v1!gupdate!',
  /** Users I blocked, by user id (blocks.ts): kept here, never told to the relay. */
  blocked: 'v1!blocked!',
  /** Groups a blocked key put me in, to leave (groups/owed-leaves.ts): written with the change. */
  owedLeave: 'v1!gquit!',
} as const;

/** A put of a string stores its UTF-8; a put of bytes stores them as they are. */
export type KvOp =
  | { type: 'put'; key: string; value: string | Uint8Array }
  | { type: 'del'; key: string };

export interface KvRange {
  gte?: string;
  lt?: string;
  reverse?: boolean;
  limit?: number;
}

/** The storage interface every peer module uses. */
export interface Kv {
  get(key: string): Promise<string | undefined>;
  /** A value as the bytes stored (a string's UTF-8). */
  getBytes(key: string): Promise<Uint8Array | undefined>;
  /** Applies all ops atomically; with `sync`, returns once they are on disk. */
  batch(ops: KvOp[], options: { sync: boolean }): Promise<void>;
  entries(range: KvRange): AsyncIterable<[string, string]>;
  /** Like entries(), with each value as the bytes stored. */
  entriesBytes(range: KvRange): AsyncIterable<[string, Uint8Array]>;
  /**
   * Rewrites the files that hold [gte, lt), so that what was deleted there leaves them
   * (LevelDB's compactRange; memory has no files).
   */
  compact(range: { gte: string; lt: string }): Promise<void>;
  close(): Promise<void>;
}

/** Every key starting with `prefix`, as a range. */
export function prefixRange(prefix: string, extra: Omit<KvRange, 'gte' | 'lt'> = {}): KvRange {
  return { gte: prefix, lt: `${prefix}\xff`, ...extra };
}

/** A fixed-width decimal so numeric order is key order (never `'' + n`: '10' < '9'). */
export function fixedWidth(n: number, width = 16): string {
  return Math.max(0, Math.floor(n)).toString().padStart(width, '0');
}

/** How often a command waiting for its profile (another natter process has it) tries again. */
const LOCK_RETRY_MS = 50;

const isLocked = (err: unknown) =>
  (err as { cause?: { code?: unknown } } | null)?.cause?.code === 'LEVEL_LOCKED';

export class LevelKv implements Kv {
  private constructor(private readonly db: Level<string, string>) {}

  /**
   * Opens (creating) the LevelDB at `dir`. LevelDB holds an exclusive lock, so a
   * second natter process on the same profile fails here with E_PROFILE_IN_USE, at
   * once or, with `lockWaitMs`, once the other has not let go within that long.
   */
  static async open(dir: string, profileDir = dir, lockWaitMs = 0): Promise<LevelKv> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      for (let waited = 0; ; waited += LOCK_RETRY_MS) {
        const opened = await db.open().then(
          () => null,
          (err: unknown) => err,
        );
        if (opened === null) break;
        if (!isLocked(opened) || waited >= lockWaitMs) throw opened;
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    } catch (err) {
      if (isLocked(err)) {
        throw peerError(
          PeerCode.ProfileInUse,
          `profile ${profileDir} is in use by another natter process`,
          { cause: err },
        );
      }
      throw peerError(PeerCode.Store, `store: cannot open ${dir}`, { cause: err });
    }
    return new LevelKv(db);
  }

  get(key: string): Promise<string | undefined> {
    return this.db.get(key);
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    const value = await this.db.get<string, Uint8Array>(key, { valueEncoding: 'view' });
    return value === undefined ? undefined : plainBytes(value);
  }

  batch(ops: KvOp[], options: { sync: boolean }): Promise<void> {
    // Bytes go in as they are ('view'); strings in the database's utf8 encoding.
    const encoded = ops.map((op) =>
      op.type === 'put' && typeof op.value !== 'string'
        ? { type: 'put' as const, key: op.key, value: op.value, valueEncoding: 'view' as const }
        : op,
    );
    return this.db.batch<string, string | Uint8Array>(encoded, { sync: options.sync });
  }

  async *entries(range: KvRange): AsyncIterable<[string, string]> {
    for await (const entry of this.db.iterator(range)) yield entry;
  }

  async *entriesBytes(range: KvRange): AsyncIterable<[string, Uint8Array]> {
    const it = this.db.iterator<string, Uint8Array>({ ...range, valueEncoding: 'view' });
    for await (const [key, value] of it) yield [key, plainBytes(value)];
  }

  compact(range: { gte: string; lt: string }): Promise<void> {
    // `level` is classic-level under Node; its type is the browser's too, which has none.
    const db = this.db as unknown as { compactRange(gte: string, lt: string): Promise<void> };
    return db.compactRange(range.gte, range.lt);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export { MemoryKv } from './store-memory.js';

/** classic-level hands out Buffers for 'view'; callers get plain Uint8Arrays either way. */
const plainBytes = (value: Uint8Array): Uint8Array =>
  new Uint8Array(value.buffer, value.byteOffset, value.byteLength);

/**
 * The store the peer modules share: reads go straight to the Kv; writes are
 * group-committed per event-loop turn. A write's promise settles when its batch
 * is durable; ops in one `write()` call are always in the same batch (atomic).
 */
export class PeerStore {
  private readonly commits: GroupCommit<KvOp>;
  private readonly counters = new CounterKeys();
  private closed = false;

  constructor(readonly kv: Kv) {
    this.commits = new GroupCommit((ops) =>
      this.kv.batch(ops, { sync: true }).catch((err: unknown) => {
        throw isNatterError(err)
          ? err
          : peerError(PeerCode.Store, 'store: batch write failed', { cause: err });
      }),
    );
  }

  /** `lockWaitMs`: how long to wait for a profile another process has open (default: not at all). */
  static async open(
    dbDir: string,
    profileDir: string,
    options: { lockWaitMs?: number } = {},
  ): Promise<PeerStore> {
    return new PeerStore(await LevelKv.open(dbDir, profileDir, options.lockWaitMs ?? 0));
  }

  get(key: string): Promise<string | undefined> {
    return this.kv.get(key);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.kv.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async *scan<T>(
    prefix: string,
    extra: Omit<KvRange, 'gte' | 'lt'> = {},
  ): AsyncIterable<[string, T]> {
    for await (const [key, value] of this.kv.entries(prefixRange(prefix, extra))) {
      yield [key, JSON.parse(value) as T];
    }
  }

  /** Every key under `prefix` with its value as bytes, in key order. */
  scanBytes(prefix: string): AsyncIterable<[string, Uint8Array]> {
    return this.kv.entriesBytes(prefixRange(prefix));
  }

  write(ops: KvOp[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(peerError(PeerCode.StoreClosed, 'store: write after close'));
    }
    if (ops.length === 0) return Promise.resolve();
    return this.commits.submit(this.counters.raise(ops));
  }

  /** Waits for pending writes, then closes the database. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.drain();
    await this.kv.close();
  }
}

export const putJson = (key: string, value: unknown): KvOp => ({
  type: 'put',
  key,
  value: JSON.stringify(value),
});

export const del = (key: string): KvOp => ({ type: 'del', key });
