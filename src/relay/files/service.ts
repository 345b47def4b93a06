/**
 * The relay's file service (issue 12, docs/files.md "Through the relay"): FilePut
 * (puts.ts: the checks and the durable transfer record), recipients' outcomes, users'
 * FilePolicy, deletion and the TTL sweep. Sessions reach it through session-files.ts; it
 * owns the registry and one ChunkWriter per transfer being uploaded. What is durable
 * lives in a FileStorage (storage.ts): LevelDB and blob files on one relay, JetStream in
 * a cluster, whose changes by other relays arrive here as FileChanges. Durable first,
 * memory after: nothing in memory claims more than the storage holds.
 */

import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { Periodic } from '../../util/periodic.js';
import type { FileOutcome, FrameOf } from '../../wire/types.js';
import { STORE_REFUSAL_CODES } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import { RefusalLog } from '../refusal-log.js';
import type { RelayStore, StoreRefusal } from '../store/index.js';
import type { BlobStore } from './blob-store.js';
import { FileCode } from './codes.js';
import { LocalFileStorage } from './local-storage.js';
import { FilePuts, type PutResult } from './puts.js';
import type { RecipientDirectory } from './recipients.js';
import type { RecipientState } from './records.js';
import { TransferRegistry } from './registry.js';
import type { FileChanges, FileStorage, StoredTransfer } from './storage.js';
import { Transfer, type TransferGone } from './transfer.js';
import { ChunkWriter } from './uploads.js';

/** What a download still running is told when its transfer goes (done: nobody waits). */
const GONE: Record<'done' | 'cancelled' | 'expired', TransferGone | undefined> = {
  done: undefined,
  cancelled: { code: FileCode.Cancelled, reason: 'file: the sender cancelled it' },
  expired: {
    code: FileCode.Unknown,
    reason: 'file: it expired on the relay before it was fetched',
  },
};

/** The directory and group lookups (recipients.ts) come with the relay's parts. */
export interface RelayFilesOptions extends RecipientDirectory {
  store: RelayStore;
  dataDir: string;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  /**
   * Where transfers are kept. Default: LevelDB and blob files in dataDir (one relay);
   * a relay of a cluster passes cluster/file-storage.ts (issue 15).
   */
  storage?: FileStorage;
}

export class RelayFiles implements FileChanges {
  readonly registry: TransferRegistry;
  readonly storage: FileStorage;
  private readonly writers = new Map<string, ChunkWriter>();
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly policies = new Map<string, number>();
  /** FilePolicy refusals, said once a minute per refusal code. */
  private readonly policyRefusals = new RefusalLog();
  private readonly sweeper: Periodic;
  private readonly puts: FilePuts;

  constructor(private readonly options: RelayFilesOptions) {
    this.registry = new TransferRegistry(options.limits);
    const { clock, limits, log } = options;
    this.storage =
      options.storage ??
      new LocalFileStorage({ store: options.store, dataDir: options.dataDir, clock, log });
    const { registry, storage } = this;
    this.puts = new FilePuts({ registry, storage, clock, directory: options, files: this });
    this.sweeper = new Periodic(
      clock,
      limits.fileSweepIntervalMs,
      async () => {
        const n = await this.sweep();
        if (n > 0) log.info('expired files deleted', { count: n });
      },
      (err) => log.error('file sweep failed', describeError(err)),
    );
  }

  /** The blob files of a single relay (tests look at them); throws for another storage. */
  get blobs(): BlobStore {
    if (this.storage instanceof LocalFileStorage) return this.storage.blobs;
    throw new Error('relay files: this storage has no blob files');
  }

  /** Loads the stored transfers and policies, then starts the sweep. */
  async open(): Promise<void> {
    const loaded = await this.storage.open(this);
    for (const [user, max] of loaded.policies) this.policies.set(user, max);
    for (const t of loaded.transfers) this.adopt(t);
    this.sweeper.start();
  }

  /** Stops the sweep and waits for uploads and deletions in flight. Idempotent. */
  async close(): Promise<void> {
    this.sweeper.stop();
    await Promise.all([...this.writers.values()].map((w) => w.drain()));
    await Promise.all([...this.deleting.values()]);
    await this.storage.close();
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
      w = new ChunkWriter(t, { chunks: this.storage, log });
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
    const refused = await this.storage.settle(tidHex, userHex, outcome);
    if (refused) {
      this.options.log.warn('file outcome not stored', {
        transfer: tidHex.slice(0, 8),
        code: STORE_REFUSAL_CODES[refused.code],
      });
      return;
    }
    t.setState(userHex, outcome);
    if (t.allDone) await this.remove(t, 'done');
  }

  /** FilePolicy: the user's max incoming bytes (0: the default), durable before it applies. */
  async setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null> {
    const refused = await this.storage.setPolicy(userHex, maxIncomingBytes);
    if (refused) {
      // Every client sends its policy at each login: on a full disk, a line a minute
      // with how many were refused, not one per login (the relay operator's trial).
      const count = this.policyRefusals.note(refused.code, this.options.clock.now());
      if (count > 0)
        this.options.log.warn('file policy not stored', {
          code: STORE_REFUSAL_CODES[refused.code],
          refused: count,
        });
      return refused;
    }
    this.policy(userHex, maxIncomingBytes);
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
   * then the storage deletes the record and then the chunks, and its quota is freed.
   */
  remove(t: Transfer, why: 'done' | 'cancelled' | 'expired'): Promise<void> {
    const running = this.deleting.get(t.tidHex);
    if (running) return running;
    t.markDeleted(GONE[why]);
    const work = (async () => {
      await this.writers.get(t.tidHex)?.drain();
      this.writers.delete(t.tidHex);
      await this.storage.remove(t);
      this.registry.remove(t);
      this.options.log.info('file transfer deleted', { transfer: t.tidHex.slice(0, 8), why });
    })().finally(() => this.deleting.delete(t.tidHex));
    this.deleting.set(t.tidHex, work);
    return work;
  }

  /** A transfer from the storage (loaded, or put through another relay): held, or merged. */
  adopt(t: Transfer): Transfer {
    const held = this.registry.get(t.tidHex);
    if (held) {
      held.advance(t.have);
      for (const r of t.record.recipients) {
        if (!t.isWaitingFor(r) && held.isWaitingFor(r)) held.setState(r, t.stateOf(r));
      }
      return held;
    }
    this.registry.add(t);
    // Every recipient was done when the relay stopped, before the deletion ran.
    if (t.allDone) void this.remove(t, 'done');
    return t;
  }

  // FileChanges: what other relays of a cluster did.
  added(s: StoredTransfer): void {
    if (this.puts.isCreating(s.record.tidHex)) return;
    this.adopt(new Transfer(s.record, s.have, s.done));
  }

  advanced(tidHex: string, have: number): void {
    this.registry.get(tidHex)?.advance(have);
  }

  settled(tidHex: string, userHex: string, state: RecipientState): void {
    const t = this.registry.get(tidHex);
    if (!t?.isWaitingFor(userHex) || state === 'pending') return;
    t.setState(userHex, state);
    // Whichever relay sees the last outcome deletes it; deleting twice is harmless.
    if (t.allDone) void this.remove(t, 'done');
  }

  removed(tidHex: string): void {
    const t = this.registry.get(tidHex);
    if (!t || t.deleted || this.puts.isCreating(tidHex)) return;
    // Another relay deleted it: a download here still running was cancelled or expired.
    t.markDeleted({ code: FileCode.Unknown, reason: 'file: cancelled by the sender, or expired' });
    const writer = this.writers.get(tidHex);
    this.writers.delete(tidHex);
    void (writer?.drain() ?? Promise.resolve()).then(() => this.registry.remove(t));
  }

  policy(userHex: string, maxIncomingBytes: number): void {
    if (maxIncomingBytes === 0) this.policies.delete(userHex);
    else this.policies.set(userHex, maxIncomingBytes);
  }
}
