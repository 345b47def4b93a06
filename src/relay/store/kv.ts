/**
 * What the relay needs of a key-value store: ordered string keys, byte values,
 * range reads in batches, and atomic (optionally synced) batches of puts and
 * deletes. LevelDB (level.ts) is the embedded default; memory.ts holds the same
 * contract in memory; test/integration/relay/kv-compliance.test.ts runs one
 * suite against both (STYLE.md §12).
 */

export type KvOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

export interface KvRange {
  gt?: string;
  gte?: string;
  lt?: string;
  /** At most this many entries. */
  limit: number;
  /**
   * Stop once the values read come to this many bytes (the entry that reaches it is the
   * last; at least one is read). Default: no bound but `limit`.
   */
  maxBytes?: number;
}

export interface RelayKv {
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Entries of the range in key order, at most `limit`; fewer only when the
   * range holds no more, or their values reached `maxBytes`. Values may be views: copy
   * what you keep past the next call.
   */
  range(range: KvRange): Promise<[string, Uint8Array][]>;
  /** The keys of the range in key order, at most `limit`, fewer only when it holds no more; no value is read. */
  keys(range: Omit<KvRange, 'maxBytes'>): Promise<string[]>;
  /** Applies every op or none; with `sync`, resolves once they are durable. */
  write(ops: readonly KvOp[], options: { sync: boolean }): Promise<void>;
  /** True while reads and writes are possible. */
  readonly isOpen: boolean;
  /** Opens a closed store again (recovery after a failed write: see relay-store.ts). */
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Values read per batch by `scan`: what the relay holds of a store it reads through at
 * open (its mail, its group items), however much is stored. A count alone let 4,096 mails
 * of up to 96 KiB make a 384 MiB batch, and 1.1 GB waiting a 1.55 GB start (QA, 17th sitting).
 */
export const SCAN_BATCH_BYTES = 1024 * 1024;

/** Every entry of a range, read in batches of `batch` entries and about `maxBytes` of values. */
export async function* scan(
  kv: RelayKv,
  range: Omit<KvRange, 'limit' | 'maxBytes'>,
  batch = 1024,
  maxBytes = SCAN_BATCH_BYTES,
): AsyncIterable<[string, Uint8Array]> {
  let from: Omit<KvRange, 'limit' | 'maxBytes'> = range;
  for (;;) {
    const entries = await kv.range({ ...from, limit: batch, maxBytes });
    let bytes = 0;
    for (const entry of entries) {
      bytes += entry[1].length;
      yield entry;
    }
    if (entries.length === 0 || (entries.length < batch && bytes < maxBytes)) return;
    const last = entries[entries.length - 1]![0];
    from = { gt: last, ...(range.lt === undefined ? {} : { lt: range.lt }) };
  }
}

/** Every key of a range, in batches of `batch`; no value is read. */
export async function* scanKeys(
  kv: RelayKv,
  range: Omit<KvRange, 'limit' | 'maxBytes'>,
  batch = 4096,
): AsyncIterable<string> {
  let from: Omit<KvRange, 'limit' | 'maxBytes'> = range;
  for (;;) {
    const keys = await kv.keys({ ...from, limit: batch });
    for (const key of keys) yield key;
    if (keys.length < batch) return;
    from = { gt: keys[keys.length - 1]!, ...(range.lt === undefined ? {} : { lt: range.lt }) };
  }
}
