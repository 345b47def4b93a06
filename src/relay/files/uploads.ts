/**
 * A transfer's upload pipeline (docs/files.md "Blob store"): chunks that arrive in one
 * event-loop turn, or while the previous batch is being written, are written together
 * (on one relay one writev, with one fdatasync of the blob for the batch; in a cluster
 * one JetStream publish each, acked together), then the new `have` is recorded
 * (ChunkSink.commitHave: LevelDB's shared synced batch, or the cluster's record), and only
 * then is the uploader acked with FileChunkAck{through: have}. Batches of one transfer
 * run one at a time, and so do their commits, in the same order, so `have` only grows;
 * a batch's write overlaps the previous batch's commit (fsync latency, not bandwidth,
 * bounds a single upload).
 *
 * A refused or failed batch acks with its code (E_FILE_DISK_FULL, E_FILE_STORE) and the
 * durable count, and starts a new upload epoch: chunks already queued are dropped, and
 * the client resumes with a FilePut (docs/files.md "Resume").
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { StoreRefusal } from '../store/index.js';
import { FileCode, type FileCodeValue, ioFileCode } from './codes.js';
import type { ChunkSink } from './storage.js';
import type { Transfer } from './transfer.js';

/** The session side of an upload: its acks, and the chunk bytes it held for the write. */
export interface UploadOwner {
  acked(transferId: Uint8Array, through: number, code: FileCodeValue | '', reason: string): void;
  released(bytes: number): void;
}

export interface PendingChunk {
  index: number;
  data: Uint8Array;
  epoch: number;
  owner: UploadOwner;
}

export interface WriterDeps {
  /** Where chunks and `have` go (storage.ts). */
  chunks: ChunkSink;
  log: Logger;
}

/**
 * A batch smaller than this waits one event-loop turn before it starts, for the chunks that
 * turn reads: per batch the relay pays a writev, an fdatasync and a synced LevelDB write
 * (about 2 ms of CPU on the issue 12 bench machine), whatever its size. 1 MiB is four
 * 256 KiB chunks; a turn costs well under a millisecond against an fsync's several.
 */
export const FILE_WRITE_BATCH_BYTES = 1024 * 1024;

const refusalCode = (r: StoreRefusal): FileCodeValue =>
  r.code === 'disk-full' ? FileCode.DiskFull : FileCode.Store;

export class ChunkWriter {
  /** Chunks waiting for the next batch (no promise or closure per chunk: GC, issue 12 bench). */
  private queued: PendingChunk[] = [];
  private queuedBytes = 0;
  /** The batch about to start already waited a turn for more chunks. */
  private waited = false;
  private scheduled = false;
  private writing = false;
  private idleWaiters: (() => void)[] = [];
  /** Acks in batch order: each batch's `have` commit, or its failure, after the one before. */
  private acks: Promise<void> = Promise.resolve();
  /** Chunks written and synced to the blob (at least `have`; their commit may be pending). */
  private written: number;
  private writtenEpoch = -1;

  constructor(
    private readonly transfer: Transfer,
    private readonly deps: WriterDeps,
  ) {
    this.written = transfer.have;
  }

  /**
   * Queues a chunk the session checked (index in sequence, exact length). Chunks that
   * arrive in the same turn, or while a batch is on its way to disk, go in the next batch.
   */
  submit(chunk: PendingChunk): void {
    this.queued.push(chunk);
    this.queuedBytes += chunk.data.length;
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.startNext);
  }

  /** Resolves once every chunk queued so far is written or dropped, and acked. */
  async drain(): Promise<void> {
    while (this.writing || this.scheduled || this.queued.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await this.acks;
  }

  private readonly startNext = (): void => {
    this.scheduled = false;
    this.next();
  };

  /** Starts the next batch with everything queued, or wakes drain() when there is none. */
  private next(): void {
    if (this.writing) return;
    if (this.queued.length === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    // A small batch waits one turn: the socket reads that turn brings (up to a few MiB)
    // join it, and every batch costs an fdatasync and a synced LevelDB write.
    if (this.queuedBytes < FILE_WRITE_BATCH_BYTES && !this.waited) {
      this.waited = true;
      this.scheduled = true;
      setImmediate(this.startNext);
      return;
    }
    this.waited = false;
    const batch = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    this.writing = true;
    this.flush(batch).then(this.flushed, (err: unknown) => {
      this.deps.log.error('file upload batch failed', describeError(err));
      this.flushed();
    });
  }

  private readonly flushed = (): void => {
    this.writing = false;
    this.next();
  };

  /**
   * Writes and syncs one batch to the blob, then queues its `have` commit and ack behind
   * the previous batch's, and returns: the next batch's fsync overlaps this one's LevelDB
   * write. The chunk bytes are released once they are on disk.
   */
  private async flush(chunks: PendingChunk[]): Promise<void> {
    const t = this.transfer;
    const live: Uint8Array[] = [];
    let first: PendingChunk | null = null;
    let owner: UploadOwner | null = null;
    let inStep = true;
    let bytes = 0;
    for (const c of chunks) {
      if (c.epoch !== t.epoch || t.deleted) continue;
      if (first === null) first = c;
      else if (c.index !== first.index + live.length) inStep = false;
      live.push(c.data);
      owner = c.owner;
      bytes += c.data.length;
    }
    try {
      if (first === null || owner === null) return;
      // A new upload epoch starts from the durable count (its FilePut waited for the acks).
      if (first.epoch !== this.writtenEpoch) {
        this.writtenEpoch = first.epoch;
        this.written = t.have;
      }
      // The session sends chunks from the durable count on, in order, under one epoch.
      if (first.index !== this.written || !inStep) {
        this.fail(first.epoch, owner, FileCode.Store, 'file: chunks out of step with the relay');
        return;
      }
      const room = await this.deps.chunks.roomFor(bytes);
      if (room) {
        this.fail(first.epoch, owner, refusalCode(room), `file: ${room.reason}`);
        return;
      }
      try {
        await this.deps.chunks.write(t, first.index, live);
      } catch (err) {
        this.deps.log.error('file chunk write failed', {
          transfer: t.tidHex.slice(0, 8),
          ...describeError(err),
        });
        this.fail(first.epoch, owner, ioFileCode(err), 'file: the relay could not store the chunk');
        return;
      }
      this.written = first.index + live.length;
      const have = this.written;
      const epoch = first.epoch;
      const acked = owner;
      this.acks = this.acks.then(() => this.commit(epoch, have, acked));
    } finally {
      releaseAll(chunks);
    }
  }

  /** Records `have` (the blob is synced up to it) and acks; nothing if the transfer is gone. */
  private async commit(epoch: number, have: number, owner: UploadOwner): Promise<void> {
    const t = this.transfer;
    if (t.deleted) return;
    const refused = await this.deps.chunks.commitHave(t, have);
    if (refused) {
      this.failNow(epoch, owner, refusalCode(refused), `file: ${refused.reason}`);
      return;
    }
    t.advance(have);
    owner.acked(t.transferId, t.have, '', '');
  }

  /** A failed batch: its ack goes out after the acks of the batches before it. */
  private fail(epoch: number, owner: UploadOwner, code: FileCodeValue, reason: string): void {
    // Drop what is queued behind it at once; the client resumes with a FilePut.
    if (this.transfer.epoch === epoch && !this.transfer.deleted) this.transfer.newEpoch();
    this.acks = this.acks.then(() => this.failNow(epoch, owner, code, reason));
  }

  private failNow(epoch: number, owner: UploadOwner, code: FileCodeValue, reason: string): void {
    const t = this.transfer;
    if (t.epoch === epoch && !t.deleted) t.newEpoch();
    owner.acked(t.transferId, t.have, code, reason);
  }
}

/** Gives each owner back the bytes of its chunks, one call per run of the same owner. */
function releaseAll(chunks: readonly PendingChunk[]): void {
  let owner: UploadOwner | null = null;
  let bytes = 0;
  for (const c of chunks) {
    if (c.owner !== owner) {
      if (owner) owner.released(bytes);
      owner = c.owner;
      bytes = 0;
    }
    bytes += c.data.length;
  }
  if (owner) owner.released(bytes);
}
