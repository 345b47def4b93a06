/**
 * One recipient's stream of a transfer (docs/files.md "Streaming"): FileChunk frames from
 * the index it asked for, read from the storage (the blob by position, or JetStream), never more than
 * fileDownloadWindowChunks beyond the count it acked, and only while the session's
 * output has room (the owner says how much). At the upload's front it parks and the
 * transfer wakes it when `have` grows. Bytes being read count as the session's, so the
 * budgets see them. Nothing here holds more than one read batch.
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { chunkFrame } from '../../wire/codec.js';
import type { ChunkSource } from './storage.js';
import type { Transfer, TransferGone, TransferWatcher } from './transfer.js';

/** The session side of a download. */
export interface DownloadOwner {
  readonly userHex: string;
  /** Queues a whole frame (length prefix included), never mutated after. */
  sendFramed(framed: Buffer): void;
  /** Bytes the session may still take into its output now (queued output and reads in flight). */
  sendRoom(): number;
  reading(bytes: number): void;
  /** A read failed: the session is told nothing more for this transfer; it may FileGet again. */
  readFailed(d: Download): void;
  /** The transfer was deleted under the download (cancelled, expired): tell the downloader. */
  gone(d: Download, why: TransferGone): void;
}

export interface DownloadOptions {
  windowChunks: number;
  readBatchChunks: number;
}

export class Download implements TransferWatcher {
  private next: number;
  private acked: number;
  private reading = false;
  private stopped = false;

  constructor(
    readonly transfer: Transfer,
    private readonly owner: DownloadOwner,
    private readonly source: ChunkSource,
    private readonly options: DownloadOptions,
    private readonly log: Logger,
    fromIndex: number,
  ) {
    this.next = Math.min(fromIndex, transfer.layout.count);
    this.acked = this.next;
    transfer.watch(this);
  }

  get userHex(): string {
    return this.owner.userHex;
  }

  get closed(): boolean {
    return this.stopped;
  }

  /** Every chunk is sent and acked: nothing more to do. */
  get finished(): boolean {
    return this.acked >= this.transfer.layout.count;
  }

  /** The downloader's FileChunkAck: chunks below `through` are durable on its side. */
  ack(through: number): void {
    if (through > this.acked) this.acked = Math.min(through, this.next);
    this.wake();
  }

  /**
   * Sends what the window, the durable front and the session's room allow: one read
   * batch at a time, the chunks read straight into the data regions of the FileChunk
   * frames (on one relay one readv; no encoding), which then go out as they are.
   */
  wake(): void {
    if (this.stopped || this.reading) return;
    const t = this.transfer;
    const end = Math.min(t.have, this.acked + this.options.windowChunks);
    if (this.next >= end) return;
    const { layout } = t;
    const room = this.owner.sendRoom();
    if (room <= 0) return;
    const count = Math.max(
      1,
      Math.min(end - this.next, this.options.readBatchChunks, Math.floor(room / layout.stride)),
    );
    const from = this.next;
    const offset = layout.offset(from);
    const bytes = layout.offset(from + count) - offset;
    const frames: Buffer[] = new Array(count);
    const targets: Buffer[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const length = layout.chunkLength(from + i);
      const { bytes: framed, dataAt } = chunkFrame(t.transferId, from + i, length);
      frames[i] = framed;
      targets[i] = framed.subarray(dataAt, dataAt + length);
    }
    this.reading = true;
    this.owner.reading(bytes);
    this.source.readInto(t, from, targets).then(
      () => {
        this.reading = false;
        this.owner.reading(-bytes);
        if (this.stopped) return;
        for (const framed of frames) this.owner.sendFramed(framed);
        this.next = from + count;
        this.wake();
      },
      (err: unknown) => {
        this.reading = false;
        this.owner.reading(-bytes);
        if (this.stopped) return;
        this.log.error('file chunk read failed', {
          transfer: t.tidHex.slice(0, 8),
          ...describeError(err),
        });
        this.owner.readFailed(this);
      },
    );
  }

  /** Ends the stream (replaced, done, disconnected or the transfer deleted). Idempotent. */
  stop(gone?: TransferGone): void {
    if (this.stopped) return;
    this.stopped = true;
    this.transfer.unwatch(this);
    if (gone !== undefined && !this.finished) this.owner.gone(this, gone);
  }
}
