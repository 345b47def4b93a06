/**
 * One download (docs/files.md "On the receiving machine"): the chunks from the relay opened
 * in order (ChunkOpener: position, end mark and tag checked) into one reused plaintext
 * buffer, written to the part file in the download folder, and acknowledged once written:
 * the ack is the relay's flow control only (it deletes nothing before FileDone), so it waits
 * for no disk. Durability comes at checkpoints instead: every FILE_DOWNLOAD_CHECKPOINT_BYTES
 * the part file is fdatasynced in the background while chunks keep arriving, and once that
 * sync is done the chunks it covered are recorded as durable in the transfer's record
 * (durableChunks). At the last chunk the file is synced once more, the hash checked, and the
 * file (or folder, folder-split.ts) given its final name. After a restart the part file is
 * cut back to the durable count (what came after the last checkpoint may never have reached
 * the disk), those chunks are read back through the hash (adoptVerified), and the FileGet
 * asks for the rest.
 */
import type { FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs/promises';
import { ChunkOpener, fileChunkCount } from '../../crypto/file-stream.js';
import { bytesEqual, fromHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { ReplyTo, RequestBody } from '../link/requests.js';
import { finalizeDownload, openPartFile } from './download-path.js';
import { saveFolder } from './folder-split.js';
import { type IncomingRecord, loadOffer, type TransferError } from './records.js';
import { TransferCode, transferError } from './transfer-errors.js';

/** After an unanswered FileGet on a live link, it is asked again this late. */
export const DOWNLOAD_RETRY_MS = 5_000;
/**
 * Plaintext bytes written between two fdatasyncs of the part file. The relay's blob and the
 * download folder often share one disk, so a sync per batch would halve what the relay gets;
 * one every 64 MiB costs the disk little, and a crash costs at most this much fetched again.
 */
export const FILE_DOWNLOAD_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** Chunks written before an ack is sent, even while more are queued: the relay's window moves. */
export const FILE_DOWNLOAD_ACK_CHUNKS = 4;

export interface DownloadDeps {
  link: { readonly ready: boolean; send(frame: Frame): boolean };
  get(body: RequestBody<'file-get'>): Promise<ReplyTo<'file-get'>>;
  /** Retry later (a Clock timer owned by the service). */
  later(fn: () => void, ms: number): void;
  /**
   * The record changed (state, savedAs, durableChunks) or bytes were written: persist (when
   * `durable`) and tell the UI.
   */
  changed(download: Download, durable: boolean): void;
  /** Bytes between checkpoints; default FILE_DOWNLOAD_CHECKPOINT_BYTES (tests make it small). */
  checkpointBytes?: number;
}

export class Download {
  readonly count: number;
  readonly transferId: Uint8Array;
  private opener: ChunkOpener | null = null;
  private part: { path: string; handle: FileHandle } | null = null;
  /** Chunks that arrived and wait to be opened and written, in arrival order. */
  private queue: FrameOf<'file-chunk'>[] = [];
  private working: Promise<void> | null = null;
  private session = 0;
  private starting = false;
  /** Every chunk is opened into this one buffer (chunkBytes), then written from it. */
  private plain: Uint8Array | null = null;
  /** Chunks in the part file: opened and written (not necessarily durable yet). */
  private written = 0;
  /** `written` when the last checkpoint began. */
  private syncedFrom = 0;
  /** The checkpoint's fdatasync in flight, if any: one at a time. */
  private syncing: Promise<void> | null = null;
  /** The last `through` acked to the relay. */
  private ackedThrough = 0;
  private readonly checkpointChunks: number;

  constructor(
    readonly record: IncomingRecord,
    private readonly d: DownloadDeps,
  ) {
    this.count = fileChunkCount(record.offer.size, record.offer.chunkBytes);
    this.transferId = fromHex(record.offer.transferId);
    const every = d.checkpointBytes ?? FILE_DOWNLOAD_CHECKPOINT_BYTES;
    this.checkpointChunks = Math.max(1, Math.floor(every / record.offer.chunkBytes));
  }

  get active(): boolean {
    return this.record.state === 'accepted';
  }

  /** Plaintext bytes opened and written here (durable as of the last checkpoint). */
  get doneBytes(): number {
    return this.opener?.receivedBytes ?? 0;
  }

  /** Opens (or reopens) the part file and asks the relay for the rest. */
  async resume(): Promise<void> {
    if (!this.active || this.starting || !this.d.link.ready) return;
    this.starting = true;
    const session = ++this.session;
    try {
      await this.idle();
      if (this.opener === null) await this.reopen();
      const opener = this.opener!;
      if (opener.sawLast) return await this.complete();
      const reply = await this.d.get({ transferId: this.transferId, fromIndex: opener.nextIndex });
      if (session !== this.session || !this.active) return;
      if (reply.code !== '') {
        this.fail({ code: reply.code, message: `download: the relay refused: ${reply.reason}` });
        return;
      }
      const o = this.record.offer;
      if (
        Number(reply.size) !== o.size ||
        reply.chunkBytes !== o.chunkBytes ||
        !bytesEqual(reply.from, fromHex(this.record.fromUserId))
      ) {
        this.fail({
          code: TransferCode.BadRelayAnswer,
          message: "download: the relay's transfer is not the one offered (size, chunks or sender)",
        });
      }
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

  offline(): void {
    this.session++;
  }

  /** A chunk from the relay: queued, then opened, written and acked in order. */
  onChunk(frame: FrameOf<'file-chunk'>): void {
    if (!this.active) return;
    this.queue.push(frame);
    this.working ??= this.work().finally(() => {
      this.working = null;
    });
  }

  /**
   * Stops: closes the part file; `discard` removes it too (declined, cancelled, failed).
   * Otherwise (the client closing) what was written is made durable first, a last
   * checkpoint, so a restart goes on from there.
   */
  async stop(discard: boolean): Promise<void> {
    this.session++;
    this.queue = [];
    await this.idle();
    await this.syncing;
    const part = this.part;
    this.part = null;
    this.plain = null;
    if (part !== null && !discard && this.active && this.written > this.durableChunks) {
      const through = this.written;
      const synced = await part.handle.datasync().then(
        () => true,
        () => false,
      );
      if (synced) this.markDurable(through);
    }
    await part?.handle.close().catch(() => undefined);
    if (discard && part !== null) await unlink(part.path).catch(() => undefined);
  }

  fail(error: TransferError): void {
    if (!this.active) return;
    this.record.state = 'failed';
    this.record.error = error;
    void this.stop(true);
    this.d.changed(this, true);
  }

  private async idle(): Promise<void> {
    while (this.working !== null) await this.working;
  }

  /** Chunks of the part file known to be on the disk (record.durableChunks; see reopen()). */
  private get durableChunks(): number {
    return this.record.durableChunks ?? 0;
  }

  /**
   * The part file, cut back to its durable chunks, and the opener fed them. The durable count
   * is the record's durableChunks; a record without one comes from before checkpoints, when
   * every chunk was fsynced before its ack, so there the part file's whole chunks count.
   */
  private async reopen(): Promise<void> {
    const dir = this.record.dir;
    if (dir === null) throw transferError(TransferCode.BadState, 'download: no folder chosen');
    const { path, handle, size } = await openPartFile(dir, this.record.offer.transferId);
    this.part = { path, handle };
    const o = this.record.offer;
    const offer = loadOffer(o);
    const opener = new ChunkOpener({
      key: offer.fileKey,
      noncePrefix: offer.noncePrefix,
      size: o.size,
      chunkSize: o.chunkBytes,
      sha256: offer.sha256,
    });
    const inFile = size >= o.size ? this.count : Math.floor(size / o.chunkBytes);
    const durable = this.record.durableChunks;
    const whole = durable === undefined ? inFile : Math.min(inFile, durable);
    const keep = Math.min(o.size, whole * o.chunkBytes);
    if (size !== keep) await handle.truncate(keep);
    const buf = new Uint8Array(o.chunkBytes);
    for (let i = 0; i < whole && o.size > 0; i++) {
      const length = Math.min(o.chunkBytes, o.size - i * o.chunkBytes);
      const { bytesRead } = await handle.read(buf, 0, length, i * o.chunkBytes);
      if (bytesRead !== length)
        throw transferError(TransferCode.BadState, 'download: part file shrank');
      opener.adoptVerified(buf.subarray(0, length));
    }
    if (o.size === 0 && whole > 0) opener.adoptVerified(new Uint8Array(0));
    this.opener = opener;
    this.written = whole;
    this.syncedFrom = whole;
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
      try {
        for (const f of frames) {
          const index = Number(f.index);
          if (index < opener.nextIndex) continue; // sent again after a reconnect
          // f.data is a view of the received frame: opened at once, into our own buffer.
          this.plain ??= new Uint8Array(chunkBytes);
          const out = this.plain;
          const plain = opener.openInto(index, index === this.count - 1, f.data, out);
          await writeAll(part.handle, plain, index * chunkBytes);
          this.written = opener.nextIndex;
          if (session !== this.session) return;
          this.checkpoint(part.handle);
          if (this.written - this.ackedThrough >= FILE_DOWNLOAD_ACK_CHUNKS) this.ack();
        }
      } catch (err) {
        this.fail(describeError(err));
        return;
      }
      if (session !== this.session) return;
      this.ack();
      this.d.changed(this, false);
      if (opener.sawLast) await this.complete();
    }
  }

  /** Tells the relay how far the part file goes: its flow control, not a durability claim. */
  private ack(): void {
    if (this.written === this.ackedThrough) return;
    this.ackedThrough = this.written;
    this.d.link.send({
      type: 'file-chunk-ack',
      transferId: this.transferId,
      through: this.written,
      code: '',
      reason: '',
    });
  }

  /**
   * Starts a checkpoint once FILE_DOWNLOAD_CHECKPOINT_BYTES were written since the last one
   * began (if one is still running, as soon as it ends): an fdatasync in the background,
   * after which the chunks written before it began are recorded as durable. Chunks keep
   * being written meanwhile; a failed sync fails the download.
   */
  private checkpoint(handle: FileHandle): void {
    if (this.syncing !== null || this.written - this.syncedFrom < this.checkpointChunks) return;
    const through = this.written;
    const session = this.session;
    this.syncedFrom = through;
    this.syncing = handle.datasync().then(
      () => {
        this.syncing = null;
        this.markDurable(through);
        // Chunks written meanwhile may make the next checkpoint due already.
        if (session === this.session && this.part?.handle === handle) this.checkpoint(handle);
      },
      (err: unknown) => {
        this.syncing = null;
        if (session === this.session) this.fail(describeError(err));
      },
    );
  }

  /** The part file holds `through` chunks durably: recorded and stored. */
  private markDurable(through: number): void {
    if (through <= this.durableChunks || !this.active) return;
    this.record.durableChunks = through;
    this.d.changed(this, true);
  }

  /** Every chunk is here: check the hash, name the file (or build the folder), tell the relay. */
  private async complete(): Promise<void> {
    const opener = this.opener;
    const part = this.part;
    if (opener === null || part === null || !this.active) return;
    try {
      opener.finish();
      await this.syncing;
      await part.handle.datasync();
      this.record.durableChunks = this.written;
      await part.handle.close();
      this.part = null;
      this.plain = null;
      const dir = this.record.dir!;
      const o = this.record.offer;
      this.record.savedAs =
        o.entries.length === 0
          ? await finalizeDownload(part.path, dir, this.record.offer.name)
          : await saveFolder(part.path, dir, o.name, o.entries);
    } catch (err) {
      this.fail(describeError(err));
      return;
    }
    this.record.state = 'received';
    this.record.doneSent = this.d.link.send({
      type: 'file-done',
      transferId: this.transferId,
      outcome: 'received',
    });
    this.d.changed(this, true);
  }
}

/** Writes all of `bytes` at `position`. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    const r = await handle.write(bytes, written, bytes.byteLength - written, position + written);
    written += r.bytesWritten;
  }
}
