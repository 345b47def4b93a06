/** The peer store's Kv contract in memory, for unit tests (store.ts). */
import type { Kv, KvOp, KvRange } from './store.js';

/** The same contract in memory, for unit tests. */
export class MemoryKv implements Kv {
  /** Values as stored: a string's UTF-8, or the bytes put. */
  readonly data = new Map<string, Uint8Array>();
  /** Counts batches written; tests use it to check group commit. */
  batches = 0;

  async get(key: string): Promise<string | undefined> {
    const value = this.data.get(key);
    return value === undefined ? undefined : Buffer.from(value).toString('utf8');
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    const value = this.data.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async batch(ops: KvOp[]): Promise<void> {
    this.batches++;
    for (const op of ops) {
      if (op.type === 'del') this.data.delete(op.key);
      else if (typeof op.value === 'string') this.data.set(op.key, utf8Bytes(op.value));
      else this.data.set(op.key, op.value.slice());
    }
  }

  async *entries(range: KvRange): AsyncIterable<[string, string]> {
    for await (const [key, value] of this.entriesBytes(range)) {
      yield [key, Buffer.from(value).toString('utf8')];
    }
  }

  async *entriesBytes(range: KvRange): AsyncIterable<[string, Uint8Array]> {
    let keys = [...this.data.keys()]
      .filter(
        (k) =>
          (range.gte === undefined || k >= range.gte) && (range.lt === undefined || k < range.lt),
      )
      .sort();
    if (range.reverse) keys.reverse();
    if (range.limit !== undefined && range.limit >= 0) keys = keys.slice(0, range.limit);
    for (const key of keys) {
      const value = this.data.get(key);
      if (value !== undefined) yield [key, value.slice()];
    }
  }

  async compact(): Promise<void> {}

  async close(): Promise<void> {}
}

const utf8Bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
