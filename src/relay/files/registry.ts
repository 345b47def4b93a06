/**
 * The stored transfers in memory, by transfer id, with what each uploader holds: the
 * bytes its transfers announced (against fileQuotaBytes) and their number (against
 * maxFileTransfersPerUploader). A transfer counts from its FilePut (before its record
 * is durable, so two puts racing cannot both pass the quota) until it is deleted.
 * Pure: time comes in as `now`.
 */
import { FileCode, type FileRefusal } from './codes.js';
import type { Transfer } from './transfer.js';

export interface QuotaLimits {
  fileQuotaBytes: number;
  maxFileTransfersPerUploader: number;
  fileTtlMs: number;
}

interface Usage {
  bytes: number;
  transfers: number;
}

export class TransferRegistry {
  private readonly transfers = new Map<string, Transfer>();
  private readonly usage = new Map<string, Usage>();

  constructor(private readonly limits: QuotaLimits) {}

  get size(): number {
    return this.transfers.size;
  }

  get(tidHex: string): Transfer | undefined {
    return this.transfers.get(tidHex);
  }

  values(): IterableIterator<Transfer> {
    return this.transfers.values();
  }

  /** Bytes and transfers `uploaderHex` holds now. */
  usageOf(uploaderHex: string): Usage {
    return this.usage.get(uploaderHex) ?? { bytes: 0, transfers: 0 };
  }

  /** Why one more transfer of `size` bytes by `uploaderHex` would pass the quota, or null. */
  quotaRefusal(uploaderHex: string, size: number): FileRefusal | null {
    const u = this.usageOf(uploaderHex);
    if (u.bytes + size > this.limits.fileQuotaBytes) {
      return {
        code: FileCode.Quota,
        reason: 'file: the relay quota for your files would be exceeded',
      };
    }
    if (u.transfers + 1 > this.limits.maxFileTransfersPerUploader) {
      return { code: FileCode.Quota, reason: 'file: you have too many files stored on the relay' };
    }
    return null;
  }

  add(t: Transfer): void {
    if (this.transfers.has(t.tidHex)) throw new Error(`file registry: ${t.tidHex} is already held`);
    this.transfers.set(t.tidHex, t);
    const u = this.usageOf(t.uploaderHex);
    this.usage.set(t.uploaderHex, { bytes: u.bytes + t.record.size, transfers: u.transfers + 1 });
  }

  /** Forgets a transfer and frees its quota (no-op if it is not the one held). */
  remove(t: Transfer): void {
    if (this.transfers.get(t.tidHex) !== t) return;
    this.transfers.delete(t.tidHex);
    const u = this.usageOf(t.uploaderHex);
    const next = { bytes: u.bytes - t.record.size, transfers: u.transfers - 1 };
    if (next.transfers <= 0) this.usage.delete(t.uploaderHex);
    else this.usage.set(t.uploaderHex, next);
  }

  /** Transfers older than fileTtlMs at `now`. */
  expired(now: number): Transfer[] {
    const out: Transfer[] = [];
    for (const t of this.transfers.values()) {
      if (now - t.record.createdAtMs >= this.limits.fileTtlMs) out.push(t);
    }
    return out;
  }
}
