/**
 * The relay's file service (issue 12, docs/files.md "Through the relay"): FilePut
 * (puts.ts: the checks and the durable transfer record), recipients' outcomes, users'
 * FilePolicy, deletion, the TTL sweep, and the start-up load that truncates every blob
 * to its durable `have`. Sessions reach it through session-files.ts; it owns the
 * registry, the blob store and one ChunkWriter per transfer being uploaded. Durable
 * first, memory after: nothing in memory claims more than LevelDB and the blobs hold.
 */

import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { GroupCommit } from '../../util/group-commit.js';
import type { Logger } from '../../util/logger.js';
import { Periodic } from '../../util/periodic.js';
import type { FileOutcome, FrameOf } from '../../wire/types.js';
import type { RelayLimits } from '../limits.js';
import type { KvOp, RelayStore, StoreRefusal } from '../store/index.js';
import { BLOB_IDLE_MS, BLOB_OPEN_FILES, BlobStore } from './blob-store.js';
import { DiskRoom } from './disk-room.js';
import { restoreFiles } from './load.js';
import { FilePuts, type PutResult } from './puts.js';
import type { RecipientDirectory } from './recipients.js';
import { deleteOps, doneOp, isHaveOp, policyOp } from './records.js';
import { TransferRegistry } from './registry.js';
import type { Transfer } from './transfer.js';
import { ChunkWriter } from './uploads.js';

/** The directory and group lookups (recipients.ts) come with the relay's parts. */
export interface RelayFilesOptions extends RecipientDirectory {
  store: RelayStore;
  dataDir: string;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export class RelayFiles {
  readonly registry: TransferRegistry;
  readonly blobs: BlobStore;
  private readonly writers = new Map<string, ChunkWriter>();
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly policies = new Map<string, number>();
  private readonly commits: GroupCommit<KvOp, StoreRefusal | null>;
  private readonly disk: DiskRoom;
  private readonly sweeper: Periodic;
  private readonly idleCloser: Periodic;
  private readonly puts: FilePuts;

  constructor(private readonly options: RelayFilesOptions) {
    this.registry = new TransferRegistry(options.limits);
    this.blobs = new BlobStore(options.dataDir, BLOB_OPEN_FILES, () => options.clock.now());
    this.disk = new DiskRoom(options.store, options.clock);
    // One synced LevelDB batch for every `have`, outcome and policy of a turn. A `have`
    // rewrites a key in place, and its chunks passed the disk watermark (DiskRoom) just
    // before: a batch of them alone adds no bytes, so it costs no free-space reading.
    this.commits = new GroupCommit((ops) => {
      let bytes = 0;
      for (const op of ops) if (!isHaveOp(op)) bytes += 64;
      return options.store.write(ops, { sync: true, bytes });
    });
    const { clock, limits, log, store } = options;
    const { registry, disk } = this;
    this.puts = new FilePuts({ registry, disk, store, clock, directory: options, files: this });
    this.sweeper = new Periodic(
      clock,
      limits.fileSweepIntervalMs,
      async () => {
        const n = await this.sweep();
        if (n > 0) log.info('expired files deleted', { count: n });
      },
      (err) => log.error('file sweep failed', describeError(err)),
    );
    // Every BLOB_IDLE_MS, closes the blob files no transfer used meanwhile.
    this.idleCloser = new Periodic(
      clock,
      BLOB_IDLE_MS,
      () => this.blobs.closeIdle(),
      (err) => log.error('closing idle blob files failed', describeError(err)),
    );
  }

  /** Loads the records, cuts every blob to its durable `have`, removes orphans, starts the sweep. */
  async open(): Promise<void> {
    await this.blobs.open();
    const restored = await restoreFiles(this.options.store.kv, this.blobs, this.options.log);
    this.puts.restore(restored.lastBlob);
    for (const [user, max] of restored.policies) this.policies.set(user, max);
    for (const t of restored.transfers) {
      this.registry.add(t);
      // Every recipient was done when the relay stopped, before the deletion ran.
      if (t.allDone) void this.remove(t, 'done');
    }
    this.sweeper.start();
    this.idleCloser.start();
  }

  /** Stops the sweep and waits for uploads and deletions in flight. Idempotent. */
  async close(): Promise<void> {
    this.sweeper.stop();
    this.idleCloser.stop();
    await Promise.all([...this.writers.values()].map((w) => w.drain()));
    await Promise.all([...this.deleting.values()]);
    await this.commits.drain();
    await this.blobs.close();
  }

  /** A transfer a session may see (its record is durable and it is not being deleted). */
  transfer(tidHex: string): Transfer | undefined {
    const t = this.registry.get(tidHex);
    return t && !t.deleted && !this.puts.isCreating(tidHex) ? t : undefined;
  }

  writer(t: Transfer): ChunkWriter {
    let w = this.writers.get(t.tidHex);
    if (!w) {
      const { log } = this.options;
      w = new ChunkWriter(t, {
        blobs: this.blobs,
        roomFor: (bytes) => this.disk.take(bytes),
        commit: (ops) => this.commits.submit(ops),
        log,
      });
      this.writers.set(t.tidHex, w);
    }
    return w;
  }

  /** What the user accepts: their FilePolicy, else the relay's default. */
  maxIncoming(userHex: string): number {
    return this.policies.get(userHex) ?? this.options.limits.defaultMaxIncomingFileBytes;
  }

  /** FilePut: a new transfer (checks, durable record) or the resume of the uploader's own. */
  put(uploaderHex: string, f: FrameOf<'file-put'>): Promise<PutResult> {
    return this.puts.put(uploaderHex, f);
  }

  /** FileDone: a recipient received or declined it, or the uploader cancelled it. */
  async done(userHex: string, tidHex: string, outcome: FileOutcome): Promise<void> {
    const t = this.transfer(tidHex);
    if (!t) return;
    if (outcome === 'cancelled') {
      if (t.uploaderHex === userHex) await this.remove(t, 'cancelled');
      return;
    }
    if (!t.isWaitingFor(userHex)) return;
    const refused = await this.commits.submit(doneOp(tidHex, userHex, outcome));
    if (refused) {
      this.options.log.warn('file outcome not stored', {
        transfer: tidHex.slice(0, 8),
        code: refused.code,
      });
      return;
    }
    t.setState(userHex, outcome);
    if (t.allDone) await this.remove(t, 'done');
  }

  /** FilePolicy: the user's max incoming bytes (0: the default), durable before it applies. */
  async setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null> {
    const refused = await this.commits.submit(policyOp(userHex, maxIncomingBytes));
    if (refused) return refused;
    if (maxIncomingBytes === 0) this.policies.delete(userHex);
    else this.policies.set(userHex, maxIncomingBytes);
    return null;
  }

  /** Deletes the transfers past fileTtlMs; resolves with how many. */
  async sweep(): Promise<number> {
    const expired = this.registry.expired(this.options.clock.now()).filter((t) => !t.deleted);
    await Promise.all(expired.map((t) => this.remove(t, 'expired')));
    return expired.length;
  }

  /**
   * Deletes a transfer: uploads and downloads stop at once, writes in flight finish,
   * then the records go (one synced batch) and then the blob, and its quota is freed.
   */
  remove(t: Transfer, why: 'done' | 'cancelled' | 'expired'): Promise<void> {
    const running = this.deleting.get(t.tidHex);
    if (running) return running;
    t.markDeleted();
    const work = (async () => {
      const { log } = this.options;
      await this.writers.get(t.tidHex)?.drain();
      this.writers.delete(t.tidHex);
      const refused = await this.commits.submit(deleteOps(t.record));
      if (refused)
        log.warn('file records not deleted', {
          transfer: t.tidHex.slice(0, 8),
          code: refused.code,
        });
      else {
        try {
          await this.blobs.remove(t.record.blob);
        } catch (err) {
          log.warn('file blob not removed', {
            transfer: t.tidHex.slice(0, 8),
            ...describeError(err),
          });
        }
      }
      this.registry.remove(t);
      log.info('file transfer deleted', { transfer: t.tidHex.slice(0, 8), why });
    })().finally(() => this.deleting.delete(t.tidHex));
    this.deleting.set(t.tidHex, work);
    return work;
  }
}
