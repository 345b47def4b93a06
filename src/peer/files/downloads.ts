/**
 * One download (docs/files.md "On the receiving machine"): chunks opened in order (ChunkOpener)
 * into one buffer, written to the part file (part-file.ts) and acked once written: the ack is
 * the relay's flow control only (it deletes nothing before FileDone). Each checkpoint is kept
 * (durableChunks); at the last chunk the file is synced, the hash checked and the file (or
 * folder, folder-split.ts) named. A restart cuts the part file back to its durable chunks,
 * reads them back through the hash, and FileGet asks the rest.
 */
import { ChunkOpener } from '../../crypto/chunk-opener.js';
import { fileChunkCount } from '../../crypto/file-stream.js';
import { fromHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { ReplyTo, RequestBody } from '../link/requests.js';
import { saveReceived } from './folder-split.js';
import { PartFile, type PartFileOwner } from './part-file.js';
import type { IncomingRecord, TransferError } from './records.js';
import { isOfferedTransfer, loadOffer } from './records.js';
import { SenderPace } from './sender-pace.js';
import { TransferCode, transferError, writeFailure } from './transfer-errors.js';

/** After an unanswered FileGet on a live link, it is asked again this late. */
export const DOWNLOAD_RETRY_MS = 5_000;
/** Chunks written before an ack is sent, even while more are queued: the relay's window moves. */
export const FILE_DOWNLOAD_ACK_CHUNKS = 4;

export interface DownloadDeps {
  link: { readonly ready: boolean; send(frame: Frame): boolean };
  get(body: RequestBody<'file-get'>): Promise<ReplyTo<'file-get'>>;
  /** Retry later (a Clock timer owned by the service). */
  later(fn: () => void, ms: number): void;
  /** The record changed (state, savedAs, durableChunks) or bytes were written: store if `durable`; tell the UI. */
  changed(download: Download, durable: boolean): void;
  /** Bytes between checkpoints; default FILE_DOWNLOAD_CHECKPOINT_BYTES (part-file.ts). */
  checkpointBytes?: number;
}

export class Download implements PartFileOwner {
  readonly count: number;
  readonly transferId: Uint8Array;
  private opener: ChunkOpener | null = null;
  private part: PartFile | null = null;
  /** Chunks that arrived and wait to be opened and written, in arrival order. */
  private queue: FrameOf<'file-chunk'>[] = [];
  private working: Promise<void> | null = null;
  /** stop() is under way: chunks arriving are dropped (they are asked for again at resume). */
  private stopping = false;
  private session = 0;
  private starting = false;
  private reopening: Promise<void> | null = null; // resume()'s reopen, awaited by stop()
  failing: Promise<void> = Promise.resolve(); // fail()'s stop: awaited before a retry (accept)
  /** Every chunk is opened into this one buffer (chunkBytes), then written from it. */
  private plain: Uint8Array | null = null;
  /** The last `through` acked to the relay. */
  private ackedThrough = 0;
  /** What the relay holds against what is here: waiting on the sender? (told when it turns so) */
  private readonly pace = new SenderPace(
    (fn, ms) => this.d.later(fn, ms),
    () => this.active && this.d.changed(this, false),
  );

  constructor(
    readonly record: IncomingRecord,
    private readonly d: DownloadDeps,
  ) {
    this.count = fileChunkCount(record.offer.size, record.offer.chunkBytes);
    this.transferId = fromHex(record.offer.transferId);
  }

  get active(): boolean {
    return this.record.state === 'accepted';
  }

  /** Plaintext bytes written here; before this run resumed it, those last made durable. */
  get doneBytes(): number {
    const { size, chunkBytes } = this.record.offer;
    return this.opener?.receivedBytes ?? Math.min(size, this.durableChunks * chunkBytes);
  }

  /** All the relay held is here and more is to come: the sender's upload is behind (or not begun). */
  get senderBehind(): boolean {
    const o = this.opener;
    return this.active && o !== null && !o.sawLast && this.pace.behind(o.nextIndex);
  }

  /** Opens (or reopens) the part file and asks the relay for the rest. */
  async resume(): Promise<void> {
    if (!this.active || this.starting || !this.d.link.ready) return;
    this.stopping = false;
    this.starting = true;
    const session = ++this.session;
    try {
      await this.idle();
      if (this.opener === null) {
        this.reopening = this.reopen().finally(() => {
          this.reopening = null;
        });
        await this.reopening;
        if (session !== this.session) return; // stopped meanwhile: stop() closed the part file
      }
      const opener = this.opener!;
      if (opener.sawLast) return await this.complete();
      const reply = await this.d.get({ transferId: this.transferId, fromIndex: opener.nextIndex });
      if (session !== this.session || !this.active) return;
      if (reply.code === 'E_FILE_STORE') {
        // the relay's store failed: try again (docs/protocol.md)
        this.d.later(() => void this.resume(), DOWNLOAD_RETRY_MS);
        return;
      }
      if (reply.code !== '') {
        this.fail({ code: reply.code, message: `download: the relay refused: ${reply.reason}` });
        return;
      }
      if (!isOfferedTransfer(this.record, reply)) {
        this.fail({
          code: TransferCode.BadRelayAnswer,
          message: "download: the relay's transfer is not the one offered (size, chunks or sender)",
        });
        return;
      }
      this.pace.answered(Number(reply.haveChunks), opener.nextIndex);
    } catch (err) {
      const e = describeError(err);
      // Offline: the next Ready tries again. Unanswered or busy: again in a while.
      if (e.code === 'E_REQUEST_TIMEOUT' || e.code === 'E_TOO_MANY_REQUESTS') {
        this.d.later(() => void this.resume(), DOWNLOAD_RETRY_MS);
      } else if (e.code !== 'E_OFFLINE') {
        this.fail(e);
      }
    } finally {
      this.starting = false;
    }
  }

  /** The link dropped: its unwritten chunks go too, resume() asks again (docs/decisions.md). */
  offline(): void {
    this.session++;
    this.queue = [];
    this.pace.reset();
  }

  /** A chunk from the relay: queued, then opened, written and acked in order. */
  onChunk(frame: FrameOf<'file-chunk'>): void {
    // Stopping (closing, Ctrl-C): a late chunk must not write to the closing part file (EBADF).
    if (!this.active || this.stopping) return;
    this.queue.push(frame);
    this.working ??= this.work().finally(() => {
      this.working = null;
    });
  }

  /**
   * Stops: closes the part file; `discard` removes it too (declined, cancelled, failed), else
   * what was written is made durable first (a last checkpoint) so a restart goes on from there.
   */
  async stop(discard: boolean): Promise<void> {
    this.stopping = true;
    this.session++;
    this.queue = [];
    await this.idle();
    await this.reopening?.catch(() => undefined); // a part file resume() is opening: closed too
    await this.part?.settled();
    const part = this.part;
    [this.part, this.opener, this.plain] = [null, null, null]; // a later accept reopens
    if (part !== null && !discard && this.active && part.written > this.durableChunks) {
      const through = part.written;
      if (await part.synced()) this.partDurable(through);
    }
    await part?.close().catch(() => undefined);
    if (discard && part !== null) await part.remove();
  }

  fail(error: TransferError): void {
    if (!this.active) return;
    this.record.state = 'failed';
    this.record.error = error;
    this.failing = this.stop(true).catch(() => undefined);
    this.d.changed(this, true);
  }

  /** The part file holds `through` chunks durably: recorded and stored. */
  partDurable(through: number): void {
    if (through <= this.durableChunks || !this.active) return;
    this.record.durableChunks = through;
    this.d.changed(this, true);
  }

  /** Writing, syncing or naming the part file failed: so does the download (E_DISK_FULL, ...). */
  partFailed(err: unknown): void {
    this.fail(writeFailure(err, this.record.dir));
  }

  private async idle(): Promise<void> {
    while (this.working !== null) await this.working;
  }

  /** Chunks of the part file known to be on the disk (record.durableChunks; see reopen()). */
  private get durableChunks(): number {
    return this.record.durableChunks ?? 0;
  }

  /** The part file, cut back to its durable chunks (PartFile.restore), and the opener fed them. */
  private async reopen(): Promise<void> {
    const dir = this.record.dir;
    if (dir === null) throw transferError(TransferCode.BadState, 'download: no folder chosen');
    const o = this.record.offer;
    const opts = { chunkBytes: o.chunkBytes, checkpointBytes: this.d.checkpointBytes };
    this.part = await PartFile.open(dir, o.transferId, opts, this);
    const offer = loadOffer(o);
    const opener = new ChunkOpener({
      key: offer.fileKey,
      noncePrefix: offer.noncePrefix,
      size: o.size,
      chunkSize: o.chunkBytes,
      sha256: offer.sha256,
    });
    const whole = await this.part.restore(o.size, this.count, this.record.durableChunks, opener);
    this.opener = opener;
    this.ackedThrough = whole;
    this.record.durableChunks = whole;
  }

  private async work(): Promise<void> {
    const session = this.session;
    const chunkBytes = this.record.offer.chunkBytes;
    while (this.queue.length > 0 && session === this.session && this.active) {
      const frames = this.queue;
      this.queue = [];
      const opener = this.opener;
      const part = this.part;
      if (opener === null || part === null) return;
      const live = () => session === this.session;
      try {
        for (const f of frames) {
          const index = Number(f.index);
          if (index < opener.nextIndex) continue; // sent again after a reconnect
          this.pace.chunk(index);
          // f.data is a view of the received frame: opened at once, into our own buffer.
          this.plain ??= new Uint8Array(chunkBytes);
          const out = this.plain;
          const plain = opener.openInto(index, index === this.count - 1, f.data, out);
          await part.write(index, plain);
          if (session !== this.session) return;
          part.checkpoint(live);
          if (part.written - this.ackedThrough >= FILE_DOWNLOAD_ACK_CHUNKS) this.ack(part.written);
        }
      } catch (err) {
        // A write cut short by a stop is no failure: the next start goes on from the part file.
        if (session === this.session && !this.stopping) this.partFailed(err);
        return;
      }
      if (session !== this.session) return;
      this.ack(part.written);
      this.d.changed(this, false);
      this.pace.watch(opener.nextIndex);
      if (opener.sawLast) await this.complete();
    }
  }

  /** Tells the relay the part file holds `written` chunks: flow control, no durability claim. */
  private ack(written: number): void {
    if (written === this.ackedThrough) return;
    this.ackedThrough = written;
    this.d.link.send({
      type: 'file-chunk-ack',
      transferId: this.transferId,
      through: written,
      code: '',
      reason: '',
    });
  }

  /** Every chunk is here: check the hash, name the file (or build the folder), tell the relay. */
  private async complete(): Promise<void> {
    const opener = this.opener;
    const part = this.part;
    if (opener === null || part === null || !this.active) return;
    try {
      opener.finish();
      await part.settled();
      await part.sync();
      this.record.durableChunks = part.written;
      await part.close();
      this.part = null;
      this.plain = null;
      await saveReceived(part.path, this.record);
    } catch (err) {
      this.partFailed(err);
      return;
    }
    this.record.state = 'received';
    this.record.replied = false;
    this.record.doneSent = this.d.link.send({
      type: 'file-done',
      transferId: this.transferId,
      outcome: 'received',
    });
    this.d.changed(this, true);
  }
}
