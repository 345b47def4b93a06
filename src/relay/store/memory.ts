/**
 * The relay store's contract in memory: for unit tests of the mailbox,
 * directory and recovery, with no disk. `failWrites` makes the next writes
 * fail, as a full disk does, so the fail-stop path can be driven without root.
 * Data survives close/open, as it would on disk.
 */
import type { KvOp, KvRange, RelayKv } from './kv.js';

export class MemoryKv implements RelayKv {
  private readonly data = new Map<string, Uint8Array>();
  private open_ = true;
  /** Writes left to fail (with `failure`); 0: none. */
  failWrites = 0;
  failure: Error = Object.assign(new Error('IO error: No space left on device'), {
    code: 'LEVEL_IO_ERROR',
  });

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    this.open_ = true;
  }

  async close(): Promise<void> {
    this.open_ = false;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.check();
    return this.data.get(key);
  }

  async range(range: KvRange): Promise<[string, Uint8Array][]> {
    this.check();
    const keys = [...this.data.keys()]
      .filter(
        (k) =>
          (range.gt === undefined || k > range.gt) &&
          (range.gte === undefined || k >= range.gte) &&
          (range.lt === undefined || k < range.lt),
      )
      .sort()
      .slice(0, range.limit);
    const out: [string, Uint8Array][] = [];
    let bytes = 0;
    for (const k of keys) {
      if (bytes >= (range.maxBytes ?? Number.POSITIVE_INFINITY)) break;
      const value = this.data.get(k)!;
      out.push([k, value]);
      bytes += value.length;
    }
    return out;
  }

  async keys(range: Omit<KvRange, 'maxBytes'>): Promise<string[]> {
    return (await this.range(range)).map(([key]) => key);
  }

  async write(ops: readonly KvOp[], _options: { sync: boolean }): Promise<void> {
    this.check();
    if (this.failWrites > 0) {
      this.failWrites--;
      throw this.failure;
    }
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key, Uint8Array.from(op.value));
      else this.data.delete(op.key);
    }
  }

  private check(): void {
    if (!this.open_)
      throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' });
  }
}
