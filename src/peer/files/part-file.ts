/**
 * The part file of one download (docs/files.md "On the receiving machine"): the file in the
 * download folder its chunks are written into at their offsets, how many it holds, and the
 * checkpoints that make them durable. Every FILE_DOWNLOAD_CHECKPOINT_BYTES the file is
 * fdatasynced in the background while chunks keep being written; once that sync is done the
 * chunks it covered are durable, which the owner records (downloads.ts: the record's
 * durableChunks). After a restart the file is cut back to the durable count (what came after
 * the last checkpoint may never have reached the disk) and those chunks are read back through
 * the ChunkOpener (adoptVerified), so the hash still covers every byte.
 */
import type { FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs/promises';
import type { ChunkOpener } from '../../crypto/chunk-opener.js';
import { openPartFile } from './download-path.js';
import { TransferCode, transferError } from './transfer-errors.js';

/**
 * Plaintext bytes written between two fdatasyncs of the part file. The relay's blob and the
 * download folder often share one disk, so a sync per batch would halve what the relay gets;
 * one every 64 MiB costs the disk little, and a crash costs at most this much fetched again.
 */
export const FILE_DOWNLOAD_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** What a part file tells its download about the checkpoints it runs in the background. */
export interface PartFileOwner {
  /** A checkpoint's sync is done: the file holds `through` chunks durably. */
  partDurable(through: number): void;
  /** A checkpoint's sync failed. */
  partFailed(err: unknown): void;
}

export interface PartFileOptions {
  chunkBytes: number;
  /** Bytes between checkpoints; default FILE_DOWNLOAD_CHECKPOINT_BYTES. */
  checkpointBytes?: number | undefined;
}

export class PartFile {
  /** Chunks in the file: opened and written (not necessarily durable yet). */
  private writtenChunks = 0;
  /** `written` when the last checkpoint began. */
  private syncedFrom = 0;
  /** The checkpoint's fdatasync in flight, if any: one at a time. */
  private syncing: Promise<void> | null = null;
  private closed = false;
  private readonly chunkBytes: number;
  private readonly checkpointChunks: number;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** The file's size when opened: what a previous run left. */
    private readonly sizeAtOpen: number,
    opts: PartFileOptions,
    private readonly owner: PartFileOwner,
  ) {
    this.chunkBytes = opts.chunkBytes;
    const every = opts.checkpointBytes ?? FILE_DOWNLOAD_CHECKPOINT_BYTES;
    this.checkpointChunks = Math.max(1, Math.floor(every / opts.chunkBytes));
  }

  /** Opens (or creates) the part file of `transferIdHex` in `dir` (download-path.ts). */
  static async open(
    dir: string,
    transferIdHex: string,
    opts: PartFileOptions,
    owner: PartFileOwner,
  ): Promise<PartFile> {
    const { path, handle, size } = await openPartFile(dir, transferIdHex);
    return new PartFile(path, handle, size, opts, owner);
  }

  /** Chunks in the file: opened and written (not necessarily durable yet). */
  get written(): number {
    return this.writtenChunks;
  }

  /**
   * Cuts the file back to its durable chunks and feeds them to `opener`; returns their count.
   * `durable` is the record's durableChunks; a record without one comes from before
   * checkpoints, when every chunk was fsynced before its ack, so there the file's whole
   * chunks count.
   */
  async restore(
    size: number,
    count: number,
    durable: number | undefined,
    opener: ChunkOpener,
  ): Promise<number> {
    const chunkBytes = this.chunkBytes;
    const inFile = this.sizeAtOpen >= size ? count : Math.floor(this.sizeAtOpen / chunkBytes);
    const whole = durable === undefined ? inFile : Math.min(inFile, durable);
    const keep = Math.min(size, whole * chunkBytes);
    if (this.sizeAtOpen !== keep) await this.handle.truncate(keep);
    const buf = new Uint8Array(chunkBytes);
    for (let i = 0; i < whole && size > 0; i++) {
      const length = Math.min(chunkBytes, size - i * chunkBytes);
      const { bytesRead } = await this.handle.read(buf, 0, length, i * chunkBytes);
      if (bytesRead !== length)
        throw transferError(TransferCode.BadState, 'download: part file shrank');
      opener.adoptVerified(buf.subarray(0, length));
    }
    if (size === 0 && whole > 0) opener.adoptVerified(new Uint8Array(0));
    this.writtenChunks = whole;
    this.syncedFrom = whole;
    return whole;
  }

  /** Writes chunk `index`'s plaintext at its offset: the file then holds chunks up to it. */
  async write(index: number, plain: Uint8Array): Promise<void> {
    const position = index * this.chunkBytes;
    let done = 0;
    while (done < plain.byteLength) {
      const r = await this.handle.write(plain, done, plain.byteLength - done, position + done);
      done += r.bytesWritten;
    }
    this.writtenChunks = index + 1;
  }

  /**
   * Starts a checkpoint once FILE_DOWNLOAD_CHECKPOINT_BYTES were written since the last one
   * began (if one is still running, as soon as it ends): an fdatasync in the background,
   * after which the chunks written before it began are durable (owner.partDurable). Chunks
   * keep being written meanwhile. `live` says whether the download's session that asked is
   * still the current one: a failed sync is reported (owner.partFailed) only then.
   */
  checkpoint(live: () => boolean): void {
    if (this.syncing !== null || this.writtenChunks - this.syncedFrom < this.checkpointChunks)
      return;
    const through = this.writtenChunks;
    this.syncedFrom = through;
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncing = null;
        this.owner.partDurable(through);
        // Chunks written meanwhile may make the next checkpoint due already.
        if (live() && !this.closed) this.checkpoint(live);
      },
      (err: unknown) => {
        this.syncing = null;
        if (live()) this.owner.partFailed(err);
      },
    );
  }

  /** Resolves once the checkpoint in flight, if any, has ended. */
  async settled(): Promise<void> {
    await this.syncing;
  }

  /** An fdatasync now, in the foreground. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /** sync(), for a last checkpoint on the way out: whether it held, never a rejection. */
  synced(): Promise<boolean> {
    return this.sync().then(
      () => true,
      () => false,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.handle.close();
  }

  /** Removes the file (declined, cancelled, failed); closed first. */
  async remove(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}
