/**
 * Free disk for file chunks (docs/files.md "Quota and TTL"): whether `bytes` more in a blob
 * would pass the free-space watermark. Reading free space (statfs) for every upload batch
 * cost the relay a thread-pool round trip per batch, so a reading is kept and spent:
 * each batch takes its bytes from the room the last reading left above the watermark,
 * and the disk is read again when that room runs out, when the reading is older than
 * FILE_DISK_SAMPLE_MS or has been spent by FILE_DISK_SAMPLE_BYTES, at every FilePut, and
 * always while free space is unknown. Others writing the same disk meanwhile (mail, other
 * programs) are seen at the next reading: within a second, or 64 MiB of chunks, well inside
 * the watermark (minFreeDiskBytes, 256 MiB by default).
 */
import type { Clock } from '../../util/clock.js';
import { REFUSED_DISK_FULL, type StoreRefusal } from '../store/index.js';

/** A free-space reading is trusted this long. */
export const FILE_DISK_SAMPLE_MS = 1_000;
/** ... and for this many chunk bytes written since. */
export const FILE_DISK_SAMPLE_BYTES = 64 * 1024 * 1024;

/** What DiskRoom needs of the store (RelayStore). */
export interface DiskSource {
  /** The store's own refusal (closed, recovering, disk-full mode), or null. */
  refusal(bytes: number): StoreRefusal | null;
  freeSpace(): Promise<number | null>;
  readonly minFreeDiskBytes: number;
}

export class DiskRoom {
  /** The last reading; null: unknown (read again every time). */
  private free: number | null = null;
  private readAtMs = Number.NEGATIVE_INFINITY;
  /** Bytes granted since the reading. */
  private spent = 0;

  constructor(
    private readonly source: DiskSource,
    private readonly clock: Clock,
  ) {}

  /**
   * FilePut: why a file of `bytes` would not fit now, or null. Reads the disk afresh (the
   * reading then serves the batches that follow); spends nothing. Unlike a store write it
   * does not switch the store to disk-full: a file too large for the disk refuses that
   * file, not everyone's mail.
   */
  async admit(bytes: number): Promise<StoreRefusal | null> {
    const refused = this.source.refusal(bytes);
    if (refused) return refused;
    await this.read();
    return this.free !== null && this.free - this.spent - bytes < this.source.minFreeDiskBytes
      ? REFUSED_DISK_FULL
      : null;
  }

  /** An upload batch: why `bytes` more on disk would be refused now, or null (then spent). */
  async take(bytes: number): Promise<StoreRefusal | null> {
    const refused = this.source.refusal(bytes);
    if (refused) return refused;
    if (!this.covers(bytes)) await this.read();
    if (this.free === null) return null;
    if (this.free - this.spent - bytes < this.source.minFreeDiskBytes) return REFUSED_DISK_FULL;
    this.spent += bytes;
    return null;
  }

  /** Whether the last reading still answers for `bytes` more. */
  private covers(bytes: number): boolean {
    return (
      this.free !== null &&
      this.clock.now() - this.readAtMs < FILE_DISK_SAMPLE_MS &&
      this.spent + bytes <= FILE_DISK_SAMPLE_BYTES &&
      this.free - this.spent - bytes >= this.source.minFreeDiskBytes
    );
  }

  private async read(): Promise<void> {
    const free = await this.source.freeSpace();
    this.free = free;
    this.readAtMs = this.clock.now();
    this.spent = 0;
  }
}
