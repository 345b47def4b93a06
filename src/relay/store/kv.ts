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
}

export interface RelayKv {
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Entries of the range in key order, at most `limit`; fewer only when the
   * range holds no more. Values may be views: copy what you keep past the next call.
   */
  range(range: KvRange): Promise<[string, Uint8Array][]>;
  /** Applies every op or none; with `sync`, resolves once they are durable. */
  write(ops: readonly KvOp[], options: { sync: boolean }): Promise<void>;
  /** True while reads and writes are possible. */
  readonly isOpen: boolean;
  /** Opens a closed store again (recovery after a failed write: see relay-store.ts). */
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Every entry of a range, read in batches of `batch`. */
export async function* scan(
  kv: RelayKv,
  range: Omit<KvRange, 'limit'>,
  batch = 1024,
): AsyncIterable<[string, Uint8Array]> {
  let from: Omit<KvRange, 'limit'> = range;
  for (;;) {
    const entries = await kv.range({ ...from, limit: batch });
    for (const entry of entries) yield entry;
    if (entries.length < batch) return;
    const last = entries[entries.length - 1]![0];
    from = { gt: last, ...(range.lt === undefined ? {} : { lt: range.lt }) };
  }
}
