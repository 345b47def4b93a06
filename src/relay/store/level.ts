/**
 * The relay's LevelDB (classic-level through `level`): one database per data
 * dir. LevelDB's own LOCK file makes a second relay on the same dir fail fast;
 * that becomes a clear, coded error.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { RelayFailureCode, relayFailure } from '../errors.js';
import type { KvOp, KvRange, RelayKv } from './kv.js';
import { fsWords, realFsCode } from './open-cause.js';

/** The pid of the relay holding the store, written beside LevelDB's LOCK (not a lock itself). */
const PID_FILE = 'relay.pid';

/** classic-level stops a nextv() at 16 KiB by default; one catch-up step wants more. */
const RANGE_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * LevelDB's own words for a store it cannot open ("Corruption: CURRENT file does not end
 * with newline", "IO error: …/MANIFEST-000002: No such file or directory"), which
 * level's "Database failed to open" hides in its cause (the relay operator's trial), and
 * what to do: such a store is damaged or incomplete, and only a backup has what it lost.
 */
function levelReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const said = cause instanceof Error ? cause.message : err instanceof Error ? err.message : '';
  // A file name in the store could hold anything: never a control character to the terminal.
  const words = said.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').trim() || 'unknown error';
  return `${words}: the store is damaged or incomplete; restore the data directory from a backup (relay-key.json and store/ together)`;
}

export class LevelKv implements RelayKv {
  private constructor(
    private readonly db: Level<string, Uint8Array>,
    private readonly dataDir: string,
  ) {}

  static async open(dataDir: string): Promise<LevelKv> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch(async (err: unknown) => {
      // A read-only file system reads ENOENT from a recursive mkdir: say the real reason.
      const code = (await realFsCode(err, dataDir)) ?? 'ENOENT';
      throw Object.assign(new Error(`mkdir ${dataDir}: ${fsWords(code)}`, { cause: err }), {
        code,
        syscall: 'mkdir',
      });
    });
    const path = join(dataDir, 'store');
    const existed = await stat(path).then(
      () => true,
      () => false,
    );
    const kv = new LevelKv(
      new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' }),
      dataDir,
    );
    try {
      await kv.open();
    } catch (err) {
      // A store this start began and could not finish is removed: no half-made store/ stays.
      if (!existed) await rm(path, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    return kv;
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  async open(): Promise<void> {
    try {
      await this.db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        const pid = await readFile(join(this.dataDir, PID_FILE), 'utf8').catch(() => '');
        const holder = /^\d+$/.test(pid.trim()) ? ` (pid ${pid.trim()})` : '';
        throw relayFailure(
          RelayFailureCode.Locked,
          `relay: data dir ${this.dataDir} is in use by another relay process${holder}`,
          err,
        );
      }
      const store = join(this.dataDir, 'store');
      const code = await realFsCode(err, store);
      throw relayFailure(
        RelayFailureCode.StoreOpen,
        `relay: could not open the store in ${store}: ${code === undefined ? levelReason(err) : fsWords(code)}`,
        err,
      );
    }
    // Beside LevelDB's LOCK, so that a relay refused here can name this one (E_RELAY_LOCKED).
    await writeFile(join(this.dataDir, PID_FILE), `${process.pid}\n`).catch(() => undefined);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  async range(range: KvRange): Promise<[string, Uint8Array][]> {
    const { maxBytes = Number.POSITIVE_INFINITY, ...bounds } = range;
    const highWaterMarkBytes = Math.min(RANGE_HIGH_WATER_BYTES, maxBytes);
    const iterator = this.db.iterator({ ...bounds, highWaterMarkBytes });
    const out: [string, Uint8Array][] = [];
    let bytes = 0;
    try {
      // nextv may return fewer than asked while more remain; only an empty result means the end.
      while (out.length < range.limit && bytes < maxBytes) {
        const entries = await iterator.nextv(range.limit - out.length);
        if (entries.length === 0) break;
        for (const entry of entries) {
          out.push(entry);
          bytes += entry[1].length;
        }
      }
    } finally {
      await iterator.close();
    }
    return out;
  }

  async keys(range: Omit<KvRange, 'maxBytes'>): Promise<string[]> {
    const { limit, ...bounds } = range;
    const iterator = this.db.keys(bounds);
    const out: string[] = [];
    try {
      while (out.length < limit) {
        const keys = await iterator.nextv(limit - out.length);
        if (keys.length === 0) break;
        for (const key of keys) out.push(key);
      }
    } finally {
      await iterator.close();
    }
    return out;
  }

  write(ops: readonly KvOp[], options: { sync: boolean }): Promise<void> {
    try {
      // A chained batch: about 2-3x the puts/s of db.batch([...]) here, whose
      // per-operation preparation topped the relay's CPU profile under load.
      const batch = this.db.batch();
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.key, op.value);
        else batch.del(op.key);
      }
      return batch.write({ sync: options.sync });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    if (this.db.status !== 'open' && this.db.status !== 'opening') return;
    // Before the lock goes: after it, the file may be the next relay's.
    await rm(join(this.dataDir, PID_FILE), { force: true }).catch(() => undefined);
    await this.db.close();
  }
}
