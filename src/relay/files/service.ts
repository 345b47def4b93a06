/**
 * The relay's file service (issue 12, docs/files.md "Through the relay"): FilePut's
 * checks and the durable transfer record, recipients' outcomes, users' FilePolicy, the
 * TTL sweep, and the start-up load that truncates every blob to its durable `have`.
 * Sessions reach it through session-files.ts; it owns the registry, the blob store and
 * one ChunkWriter per transfer being uploaded. Durable first, memory after: nothing in
 * memory claims more than LevelDB and the blobs hold.
 */

import { toHex } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { GroupCommit } from '../../util/group-commit.js';
import type { Logger } from '../../util/logger.js';
import type { FileOutcome, FrameOf } from '../../wire/types.js';
import type { RelayLimits } from '../limits.js';
import type { KvOp, RelayStore, StoreRefusal } from '../store/index.js';
import { BLOB_IDLE_MS, BLOB_OPEN_FILES, BlobStore, MAX_BLOB_NUMBER } from './blob-store.js';
import { FileCode, type FileRefusal } from './codes.js';
import { DiskRoom } from './disk-room.js';
import { restoreFiles } from './load.js';
import {
  deleteOps,
  doneOp,
  isHaveOp,
  policyOp,
  type TransferRecord,
  transferOps,
} from './records.js';
import { TransferRegistry } from './registry.js';
import { Transfer } from './transfer.js';
import { ChunkWriter } from './uploads.js';

export interface RelayFilesOptions {
  store: RelayStore;
  dataDir: string;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  /** Whether a user id (hex) is registered here. */
  isRegistered(userHex: string): boolean;
  /** A group's current members (user id hex), or undefined for an unknown group. */
  groupMembers(gidHex: string): readonly string[] | undefined;
}

/** What FilePut leads to: the transfer and its durable count, and the epoch to upload under. */
export type PutResult = { code: ''; transfer: Transfer; have: number; epoch: number } | FileRefusal;

const refusalOf = (r: StoreRefusal): FileRefusal => ({
  code: r.code === 'disk-full' ? FileCode.DiskFull : FileCode.Store,
  reason: `file: ${r.reason}`,
});

export class RelayFiles {
  readonly registry: TransferRegistry;
  readonly blobs: BlobStore;
  private readonly writers = new Map<string, ChunkWriter>();
  /** Transfers whose FilePut record is being written: not visible to FileGet yet. */
  private readonly creating = new Map<string, Promise<void>>();
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly policies = new Map<string, number>();
  private readonly commits: GroupCommit<KvOp, StoreRefusal | null>;
  private readonly disk: DiskRoom;
  private idleTimer: Timer | null = null;
  private lastBlob = 0;
  private sweepTimer: Timer | null = null;
  private closed = false;

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
  }

  /** Loads the records, cuts every blob to its durable `have`, removes orphans, starts the sweep. */
  async open(): Promise<void> {
    await this.blobs.open();
    const restored = await restoreFiles(this.options.store.kv, this.blobs, this.options.log);
    this.lastBlob = restored.lastBlob;
    for (const [user, max] of restored.policies) this.policies.set(user, max);
    for (const t of restored.transfers) {
      this.registry.add(t);
      // Every recipient was done when the relay stopped, before the deletion ran.
      if (t.allDone) void this.remove(t, 'done');
    }
    this.armSweep();
    this.armIdleClose();
  }

  /** Stops the sweep and waits for uploads and deletions in flight. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) this.options.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    if (this.idleTimer) this.options.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    await Promise.all([...this.writers.values()].map((w) => w.drain()));
    await Promise.all([...this.deleting.values()]);
    await this.commits.drain();
    await this.blobs.close();
  }

  /** A transfer a session may see (its record is durable and it is not being deleted). */
  transfer(tidHex: string): Transfer | undefined {
    const t = this.registry.get(tidHex);
    return t && !t.deleted && !this.creating.has(tidHex) ? t : undefined;
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
  async put(uploaderHex: string, f: FrameOf<'file-put'>): Promise<PutResult> {
    const tidHex = toHex(f.transferId);
    await this.creating.get(tidHex);
    const known = this.registry.get(tidHex);
    if (known) return this.resume(known, uploaderHex, f);
    const recipients = this.recipientsOf(uploaderHex, f);
    if (!Array.isArray(recipients)) return recipients;
    if (recipients.some((r) => f.size > this.maxIncoming(r))) {
      // Whose limit it was stays between the relay and that recipient.
      return { code: FileCode.TooLarge, reason: 'file: larger than a recipient accepts' };
    }
    const quota = this.registry.quotaRefusal(uploaderHex, f.size);
    if (quota) return quota;
    if (this.lastBlob >= MAX_BLOB_NUMBER) {
      return { code: FileCode.Store, reason: 'file: the relay has no blob names left' };
    }
    const record: TransferRecord = {
      tidHex,
      uploaderHex,
      size: f.size,
      chunkBytes: f.chunkBytes,
      blob: ++this.lastBlob,
      createdAtMs: this.options.clock.now(),
      recipients,
    };
    const t = new Transfer(record, 0);
    // Counted at once: two puts racing cannot both pass the quota.
    this.registry.add(t);
    let settle = () => {};
    this.creating.set(tidHex, new Promise<void>((resolve) => (settle = resolve)));
    try {
      const refused =
        (await this.disk.admit(f.size)) ??
        (await this.options.store.write(transferOps(record, this.lastBlob), {
          sync: true,
          bytes: 256 + recipients.length * 70,
        }));
      if (refused) {
        this.registry.remove(t);
        return refusalOf(refused);
      }
    } finally {
      this.creating.delete(tidHex);
      settle();
    }
    return { code: '', transfer: t, have: 0, epoch: t.newEpoch() };
  }

  private async resume(
    t: Transfer,
    uploaderHex: string,
    f: FrameOf<'file-put'>,
  ): Promise<PutResult> {
    if (t.deleted) return { code: FileCode.Unknown, reason: 'file: this transfer is gone' };
    if (
      t.uploaderHex !== uploaderHex ||
      t.record.size !== f.size ||
      t.record.chunkBytes !== f.chunkBytes
    ) {
      return { code: FileCode.Conflict, reason: 'file: this transfer id is in use' };
    }
    // Claim first, then wait: chunks queued by an earlier session are dropped, and
    // `have` is final once the writes in flight are done.
    const epoch = t.newEpoch();
    await this.writer(t).drain();
    if (t.deleted) return { code: FileCode.Unknown, reason: 'file: this transfer is gone' };
    return { code: '', transfer: t, have: t.have, epoch };
  }

  private recipientsOf(uploaderHex: string, f: FrameOf<'file-put'>): string[] | FileRefusal {
    const r = f.recipients;
    if ('groupId' in r) {
      const members = this.options.groupMembers(toHex(r.groupId));
      if (!members?.includes(uploaderHex)) {
        return { code: FileCode.NotMember, reason: 'file: you are not a member of this group' };
      }
      const others = members.filter((m) => m !== uploaderHex);
      if (others.length === 0) {
        return { code: FileCode.NoRecipient, reason: 'file: nobody else is in this group' };
      }
      return others;
    }
    const to = [...new Set(r.to.map(toHex))];
    for (const hex of to) {
      if (hex === uploaderHex || !this.options.isRegistered(hex)) {
        return { code: FileCode.NoRecipient, reason: 'file: a recipient is not registered here' };
      }
    }
    return to;
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

  /** Every BLOB_IDLE_MS, closes the blob files no transfer used meanwhile. */
  private armIdleClose(): void {
    if (this.closed) return;
    const { clock, log } = this.options;
    this.idleTimer = clock.setTimeout(() => {
      this.idleTimer = null;
      void this.blobs.closeIdle().then(
        () => this.armIdleClose(),
        (err: unknown) => {
          log.error('closing idle blob files failed', describeError(err));
          this.armIdleClose();
        },
      );
    }, BLOB_IDLE_MS);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private armSweep(): void {
    if (this.closed) return;
    const { clock, limits, log } = this.options;
    this.sweepTimer = clock.setTimeout(() => {
      this.sweepTimer = null;
      void this.sweep().then(
        (n) => {
          if (n > 0) log.info('expired files deleted', { count: n });
          this.armSweep();
        },
        (err: unknown) => {
          log.error('file sweep failed', describeError(err));
          this.armSweep();
        },
      );
    }, limits.fileSweepIntervalMs);
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }
}
