/**
 * One session's file state (docs/files.md): the uploads it claimed with FilePut (the
 * next index each expects) and the downloads it is streaming, with the bytes it holds
 * for them. The Session owns the socket and the read gate; this class owns the
 * transfers' per-connection state and reports what it holds through `link`.
 *
 * Upload rules: a FileChunk must belong to a transfer this session put, carry the next
 * index and the exact sealed length, or the connection is closed with
 * E_FILE_CHUNK_ORDER. Chunks of an upload that was taken over by a newer FilePut, that
 * failed to store, or whose transfer was deleted are dropped without a word (the client
 * learns from its FilePut or the failed ack).
 */

import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { RelayLimits } from '../limits.js';
import { FileCode, type FileCodeValue } from './codes.js';
import { Download, type DownloadOwner } from './downloads.js';
import type { RelayFiles } from './service.js';
import type { Transfer, TransferGone } from './transfer.js';
import type { UploadOwner } from './uploads.js';

/** What the file state needs of its session. */
export interface FileLink {
  readonly userHex: string;
  /** Output queued for the connection now. */
  readonly bufferedBytes: number;
  send(frame: Frame): void;
  /** Queues a whole frame (length prefix included), never mutated after. */
  sendFramed(framed: Buffer): void;
  /** Ends the connection with a coded Error frame. */
  fail(code: FileCodeValue | 'E_INTERNAL', message: string): void;
  /** What this state holds changed: budgets and the read gate look again. */
  heldChanged(): void;
}

interface UploadCursor {
  transfer: Transfer;
  epoch: number;
  next: number;
}

export class SessionFiles implements UploadOwner, DownloadOwner {
  private readonly uploads = new Map<string, UploadCursor>();
  /** The cursor the last chunk went to (the next one almost always goes there too). */
  private lastUpload: UploadCursor | null = null;
  private readonly downloads = new Map<string, Download>();
  private uploadBytes_ = 0;
  private readingBytes = 0;
  private closed = false;

  constructor(
    private readonly link: FileLink,
    private readonly service: RelayFiles,
    private readonly limits: RelayLimits,
    private readonly log: Logger,
  ) {}

  get userHex(): string {
    return this.link.userHex;
  }

  /** Chunk bytes received and not yet on disk: the read gate stops reading past fileUploadPendingBytes. */
  get uploadBytes(): number {
    return this.uploadBytes_;
  }

  /** Everything held for the connection: chunks waiting for disk and blob reads in flight. */
  get heldBytes(): number {
    return this.uploadBytes_ + this.readingBytes;
  }

  onPut(f: FrameOf<'file-put'>): void {
    const { requestId } = f;
    void this.service.put(this.link.userHex, f).then(
      (r) => {
        if (r.code !== '') {
          this.log.info('file put refused', { code: r.code });
          this.link.send({
            type: 'file-put-result',
            requestId,
            code: r.code,
            reason: r.reason,
            haveChunks: 0,
            leftOut: [],
          });
          return;
        }
        if (!this.closed)
          this.uploads.set(r.transfer.tidHex, {
            transfer: r.transfer,
            epoch: r.epoch,
            next: r.have,
          });
        this.link.send({
          type: 'file-put-result',
          requestId,
          code: '',
          reason: '',
          haveChunks: r.have,
          leftOut: r.leftOut.map(fromHex),
        });
      },
      (err: unknown) => {
        this.log.error('file put failed', describeError(err));
        this.link.send({
          type: 'file-put-result',
          requestId,
          code: FileCode.Store,
          reason: 'file: the relay could not store it',
          haveChunks: 0,
          leftOut: [],
        });
      },
    );
  }

  onChunk(f: FrameOf<'file-chunk'>): void {
    const c = this.uploadOf(f.transferId);
    if (!c) {
      this.link.fail(
        FileCode.ChunkOrder,
        'file chunk: no FilePut for this transfer in this session',
      );
      return;
    }
    const t = c.transfer;
    if (t.deleted || t.epoch !== c.epoch) return;
    const length = t.layout.chunkLength(f.index);
    if (f.index !== c.next || f.data.length !== length) {
      this.link.fail(
        FileCode.ChunkOrder,
        f.index !== c.next
          ? `file chunk: index ${f.index}, expected ${c.next}`
          : `file chunk ${f.index}: ${f.data.length} bytes, expected ${length}`,
      );
      return;
    }
    c.next++;
    this.uploadBytes_ += length;
    this.link.heldChanged();
    this.service.writer(t).submit({ index: f.index, data: f.data, epoch: c.epoch, owner: this });
  }

  /** The upload a chunk belongs to: the last one's, without a hex string per chunk, else by id. */
  private uploadOf(transferId: Uint8Array): UploadCursor | undefined {
    const last = this.lastUpload;
    if (
      last !== null &&
      bytesEqual(last.transfer.transferId, transferId) &&
      this.uploads.get(last.transfer.tidHex) === last
    ) {
      return last;
    }
    const c = this.uploads.get(toHex(transferId));
    this.lastUpload = c ?? null;
    return c;
  }

  onGet(f: FrameOf<'file-get'>): void {
    const tidHex = toHex(f.transferId);
    this.downloads.get(tidHex)?.stop();
    this.downloads.delete(tidHex);
    const t = this.service.transfer(tidHex);
    if (!t?.isWaitingFor(this.link.userHex)) {
      this.link.send({
        type: 'file-get-result',
        requestId: f.requestId,
        code: FileCode.Unknown,
        reason: 'file: no such transfer for you',
        size: 0,
        chunkBytes: 0,
        haveChunks: 0,
        from: new Uint8Array(0),
      });
      return;
    }
    this.link.send({
      type: 'file-get-result',
      requestId: f.requestId,
      code: '',
      reason: '',
      size: t.record.size,
      chunkBytes: t.record.chunkBytes,
      haveChunks: t.have,
      from: fromHex(t.uploaderHex),
    });
    const d = new Download(
      t,
      this,
      this.service.storage,
      {
        windowChunks: this.limits.fileDownloadWindowChunks,
        readBatchChunks: this.limits.fileReadBatchChunks,
      },
      this.log,
      f.fromIndex,
    );
    this.downloads.set(tidHex, d);
    d.wake();
  }

  /** A downloader's FileChunkAck. Acks for streams no longer running are ignored. */
  onAck(f: FrameOf<'file-chunk-ack'>): void {
    const tidHex = toHex(f.transferId);
    const d = this.downloads.get(tidHex);
    if (!d) return;
    d.ack(f.through);
    if (d.finished || d.closed) {
      d.stop();
      this.downloads.delete(tidHex);
    }
  }

  onDone(f: FrameOf<'file-done'>): void {
    const tidHex = toHex(f.transferId);
    this.downloads.get(tidHex)?.stop();
    this.downloads.delete(tidHex);
    if (f.outcome === 'cancelled') this.uploads.delete(tidHex);
    void this.service.done(this.link.userHex, tidHex, f.outcome).catch((err: unknown) => {
      this.log.error('file done failed', describeError(err));
    });
  }

  onPolicy(f: FrameOf<'file-policy'>): void {
    // A refusal is said by the service, once a minute for all sessions.
    void this.service
      .setPolicy(this.link.userHex, f.maxIncomingBytes)
      .catch((err: unknown) => this.log.error('file policy failed', describeError(err)));
  }

  /** The session's output drained: downloads waiting for room go on. */
  resume(): void {
    for (const d of this.downloads.values()) d.wake();
  }

  /** The connection closed: every stream stops (chunks already queued are still written). */
  close(): void {
    this.closed = true;
    for (const d of this.downloads.values()) d.stop();
    this.downloads.clear();
    this.uploads.clear();
    this.lastUpload = null;
  }

  // UploadOwner
  acked(transferId: Uint8Array, through: number, code: FileCodeValue | '', reason: string): void {
    if (through >= 0 && code === '') {
      const c = this.uploads.get(toHex(transferId));
      if (c?.transfer.complete) this.uploads.delete(c.transfer.tidHex);
    }
    this.link.send({ type: 'file-chunk-ack', transferId, through, code, reason });
  }

  released(bytes: number): void {
    this.uploadBytes_ -= bytes;
    this.link.heldChanged();
  }

  // DownloadOwner
  sendFramed(framed: Buffer): void {
    this.link.sendFramed(framed);
  }

  sendRoom(): number {
    if (this.closed) return 0;
    return this.limits.fileSendBufferedBytes - this.link.bufferedBytes - this.readingBytes;
  }

  reading(bytes: number): void {
    this.readingBytes += bytes;
    this.link.heldChanged();
  }

  readFailed(d: Download): void {
    d.stop();
    if (this.downloads.get(d.transfer.tidHex) === d) this.downloads.delete(d.transfer.tidHex);
    this.link.fail('E_INTERNAL', 'file: the relay could not read the stored file');
  }

  /** A coded FileChunkAck ends the client's download: it waited for chunks that will not come. */
  gone(d: Download, why: TransferGone): void {
    if (this.downloads.get(d.transfer.tidHex) === d) this.downloads.delete(d.transfer.tidHex);
    const transferId = fromHex(d.transfer.tidHex);
    this.link.send({ type: 'file-chunk-ack', transferId, through: 0, ...why });
  }
}
