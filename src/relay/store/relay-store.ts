/**
 * The one path every durable relay write takes (docs/decisions.md, "Store
 * failure is fail-stop").
 *
 * A write that fails leaves LevelDB's log with a torn record; writes appended
 * after it are acknowledged by LevelDB but dropped when the log is replayed at
 * the next open (issue 8: 200 acknowledged messages lost after a full disk).
 * So a failed write stops every acknowledgement: the store refuses writes,
 * closes and reopens the database (recovery replays the log up to the torn
 * record and starts a new one), has its owners reload their in-memory indexes,
 * and only then accepts writes again. A write that completes after another
 * failed is reported as failed too: it may sit behind the torn record.
 *
 * Free space is read before every batch that adds bytes, not on a timer, so a
 * disk filled by another process is refused with `disk-full` before LevelDB
 * runs into it, in the common case; the rare write that still hits ENOSPC
 * takes the recovery path above.
 *
 * Key spaces (versioned prefixes; see mailbox.ts and directory.ts):
 *   m1!<recipient hex>!<seq, 16 hex digits>   stored mail, in delivery order
 *   u1!<user id hex>                          directory card
 *   s1!seq                                    last mail sequence number issued
 *   (n1!<name key> held a name index until issue 8; deleted at open)
 */
import { statfsSync } from 'node:fs';
import { Backoff } from '../../util/backoff.js';
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { RelayFailureCode, relayFailure, STORE_REFUSAL_CODES } from '../errors.js';
import type { KvOp, RelayKv } from './kv.js';
import { LevelKv } from './level.js';

/** Why the store will not take a write now; relayed to senders as an ack code. */
export type StoreRefusal = { code: 'disk-full' | 'internal'; reason: string };

export const REFUSED_DISK_FULL: StoreRefusal = Object.freeze({
  code: 'disk-full',
  reason: 'relay disk is full',
});
export const REFUSED_RECOVERING: StoreRefusal = Object.freeze({
  code: 'internal',
  reason: 'relay store is recovering from a write error',
});
export const REFUSED_CLOSED: StoreRefusal = Object.freeze({
  code: 'internal',
  reason: 'relay is shutting down',
});

/**
 * While the disk is below the watermark, how often free space is read again so
 * that writes resume once space is freed (only then; otherwise every batch reads it).
 */
export const DISK_FULL_RECHECK_MS = 1_000;
/** First and largest pause between attempts to reopen a store that failed. */
export const RECOVERY_BACKOFF_BASE_MS = 100;
export const RECOVERY_BACKOFF_MAX_MS = 5_000;

export interface RelayStoreOptions {
  dataDir: string;
  /** Below this much free disk (after the batch) writes that add bytes are refused. */
  minFreeDiskBytes: number;
  clock: Clock;
  log: Logger;
  /** Free bytes on the data dir's file system; default statfs. null: unknown (never refuse). */
  freeBytes?: (dir: string) => Promise<number | null>;
  /** The key-value store; default LevelDB in dataDir/store. */
  kv?: RelayKv;
}

// statfs on the calling thread: about 2 µs, where the promise version cost about 43 µs of
// CPU before every batch, 8% of the relay's CPU per message at light load (docs/decisions.md).
async function statfsFree(dir: string): Promise<number | null> {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

type Health = 'open' | 'recovering' | 'closed';

export class RelayStore {
  private health: Health = 'open';
  /** Bumped by every failure: a write that started in an older generation is not trusted. */
  private generation = 0;
  private inflight = 0;
  private idle: (() => void)[] = [];
  private openWaiters: (() => void)[] = [];
  private diskFull = false;
  private recheckTimer: Timer | null = null;
  private recovery: Promise<void> | null = null;
  /** Ends a recovery's pause early (on close). */
  private wakeRecovery: (() => void) | null = null;
  private readonly reloaders: (() => Promise<void>)[] = [];
  private readonly freeBytes: (dir: string) => Promise<number | null>;
  private readonly dir: string;
  /** Failed writes and recoveries since start, for stats and tests. */
  readonly counters = { writeFailures: 0, recoveries: 0, diskFullRefusals: 0 };

  constructor(
    readonly kv: RelayKv,
    private readonly options: RelayStoreOptions,
  ) {
    this.freeBytes = options.freeBytes ?? statfsFree;
    this.dir = options.dataDir;
  }

  static async open(options: RelayStoreOptions): Promise<RelayStore> {
    const store = new RelayStore(options.kv ?? (await LevelKv.open(options.dataDir)), options);
    await store.checkSpace(0);
    return store;
  }

  /** Registers an owner's reload, run after a reopen and before writes resume. */
  onReopen(reload: () => Promise<void>): void {
    this.reloaders.push(reload);
  }

  get isOpen(): boolean {
    return this.health === 'open';
  }

  /** Why a write that adds `bytes` would be refused right now, or null. Synchronous. */
  refusal(bytes = 1): StoreRefusal | null {
    if (this.health === 'closed') return REFUSED_CLOSED;
    if (bytes > 0 && this.diskFull) return REFUSED_DISK_FULL;
    if (this.health === 'recovering') return REFUSED_RECOVERING;
    return null;
  }

  /**
   * Why `bytes` more on disk (a file blob, written beside the store) would be refused
   * now, or null: the store's own refusal, or the free space the watermark needs. Unlike
   * a write it does not switch the store to disk-full, so a file too large for the disk
   * refuses that file, not everyone's mail.
   */
  async roomFor(bytes: number): Promise<StoreRefusal | null> {
    const refused = this.refusal(bytes);
    if (refused) return refused;
    const free = await this.freeBytes(this.dir);
    return free !== null && free - bytes < this.options.minFreeDiskBytes ? REFUSED_DISK_FULL : null;
  }

  /** Free bytes on the data dir's file system now (null: unknown), as the watermark reads them. */
  freeSpace(): Promise<number | null> {
    return this.freeBytes(this.dir);
  }

  /** The free-space watermark: writes that would leave less are refused. */
  get minFreeDiskBytes(): number {
    return this.options.minFreeDiskBytes;
  }

  /** Resolves when the store is open (at once if it is); rejects once it is closed. */
  whenOpen(): Promise<void> {
    if (this.health === 'open') return Promise.resolve();
    if (this.health === 'closed') return Promise.reject(this.closedError());
    return new Promise((resolve) => this.openWaiters.push(resolve));
  }

  /**
   * Writes one batch. Resolves null once it is written (synced with `sync`) and
   * no failure happened meanwhile, or with the refusal that stopped it; never
   * rejects. `bytes` is what the batch adds (0 for deletes only): free space
   * is checked against it first.
   */
  async write(
    ops: readonly KvOp[],
    opts: { sync: boolean; bytes: number },
  ): Promise<StoreRefusal | null> {
    const refused = this.refusal(opts.bytes);
    if (refused) return refused;
    if (opts.bytes > 0 && !(await this.checkSpace(opts.bytes))) {
      this.counters.diskFullRefusals++;
      return REFUSED_DISK_FULL;
    }
    const after = this.refusal(opts.bytes);
    if (after) return after;
    const generation = this.generation;
    this.inflight++;
    try {
      await this.kv.write(ops, { sync: opts.sync });
    } catch (err) {
      this.fail(err);
      return this.refusal(opts.bytes) ?? REFUSED_RECOVERING;
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const wake of this.idle.splice(0)) wake();
    }
    // Another write failed while this one was in flight: this one may follow the
    // torn record in the log, and would then vanish at the next open.
    if (generation !== this.generation) return this.refusal(opts.bytes) ?? REFUSED_RECOVERING;
    return null;
  }

  /** Waits for writes in flight and any recovery, then closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.health === 'closed') return;
    const recovering = this.recovery;
    this.health = 'closed';
    if (this.recheckTimer) this.options.clock.clearTimeout(this.recheckTimer);
    await this.drained();
    this.wakeRecovery?.();
    if (recovering) await recovering;
    for (const wake of this.openWaiters.splice(0)) wake();
    await this.kv.close();
  }

  private closedError(): Error {
    return relayFailure(RelayFailureCode.StoreClosed, 'relay store: closed');
  }

  private drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Reads free space; false (and disk-full mode) when the batch would leave too little. */
  private async checkSpace(bytes: number): Promise<boolean> {
    const free = await this.freeBytes(this.dir);
    const full = free !== null && free - bytes < this.options.minFreeDiskBytes;
    this.setDiskFull(full);
    return !full;
  }

  private setDiskFull(full: boolean): void {
    if (full === this.diskFull) return;
    this.diskFull = full;
    const { log, clock, minFreeDiskBytes: minFreeBytes } = this.options;
    if (full) {
      const code = STORE_REFUSAL_CODES['disk-full'];
      log.warn('disk below the free-space watermark; refusing new mail', { code, minFreeBytes });
      const recheck = () => {
        this.recheckTimer = null;
        if (this.health === 'closed' || !this.diskFull) return;
        void this.checkSpace(0).then(() => {
          if (this.diskFull && this.health !== 'closed')
            this.recheckTimer = clock.setTimeout(recheck, DISK_FULL_RECHECK_MS);
        });
      };
      this.recheckTimer = clock.setTimeout(recheck, DISK_FULL_RECHECK_MS);
    } else {
      log.info('disk space available again; accepting mail');
      if (this.recheckTimer) clock.clearTimeout(this.recheckTimer);
      this.recheckTimer = null;
    }
  }

  private fail(err: unknown): void {
    this.counters.writeFailures++;
    this.generation++;
    this.options.log.error('store write failed; refusing writes until the store is reopened', {
      ...describeError(err),
      cause: describeError((err as { cause?: unknown }).cause).message,
    });
    void this.checkSpace(0);
    if (this.health !== 'open') return;
    this.health = 'recovering';
    this.recovery = this.recover().finally(() => {
      this.recovery = null;
    });
  }

  /** Close, reopen (LevelDB replays the log up to the torn record), reload the owners. */
  private async recover(): Promise<void> {
    const { log, clock } = this.options;
    const backoff = new Backoff({
      baseMs: RECOVERY_BACKOFF_BASE_MS,
      maxMs: RECOVERY_BACKOFF_MAX_MS,
    });
    await this.drained();
    for (let attempt = 1; ; attempt++) {
      if (this.health === 'closed') return;
      try {
        await this.kv.close();
        await this.kv.open();
        for (const reload of this.reloaders) await reload();
        if (this.health !== 'recovering') return;
        this.health = 'open';
        this.counters.recoveries++;
        log.info('store reopened; accepting writes again', { attempt });
        for (const wake of this.openWaiters.splice(0)) wake();
        return;
      } catch (err) {
        log.warn('store reopen failed; retrying', { attempt, ...describeError(err) });
        await new Promise<void>((resolve) => {
          const timer = clock.setTimeout(resolve, backoff.next());
          this.wakeRecovery = () => {
            clock.clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRecovery = null;
      }
    }
  }
}
