/**
 * FilePut at the relay (issue 12, docs/files.md "Through the relay"): a new transfer's
 * checks (recipients.ts, the recipients' FilePolicy, the uploader's quota, blob names
 * left) and its durable record, or the resume of the uploader's own transfer. Owns the
 * transfers whose record is being written, which no session may see yet, and the last
 * blob number handed out (stored with each record, so a number is never reused).
 */
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import type { FrameOf } from '../../wire/types.js';
import type { RelayStore, StoreRefusal } from '../store/index.js';
import { MAX_BLOB_NUMBER } from './blob-store.js';
import { FileCode, type FileRefusal } from './codes.js';
import type { DiskRoom } from './disk-room.js';
import { fileRecipients, type RecipientDirectory } from './recipients.js';
import { type TransferRecord, transferOps } from './records.js';
import type { TransferRegistry } from './registry.js';
import { Transfer } from './transfer.js';
import type { ChunkWriter } from './uploads.js';

/** What FilePut leads to: the transfer and its durable count, and the epoch to upload under. */
export type PutResult = { code: ''; transfer: Transfer; have: number; epoch: number } | FileRefusal;

/** What puts need of the relay's file parts (service.ts builds them). */
export interface PutParts {
  registry: TransferRegistry;
  disk: DiskRoom;
  store: RelayStore;
  clock: Clock;
  directory: RecipientDirectory;
  /** The file service: what a user accepts, and a transfer's chunk writer. */
  files: { maxIncoming(userHex: string): number; writer(t: Transfer): ChunkWriter };
}

const refusalOf = (r: StoreRefusal): FileRefusal => ({
  code: r.code === 'disk-full' ? FileCode.DiskFull : FileCode.Store,
  reason: `file: ${r.reason}`,
});

export class FilePuts {
  /** Transfers whose FilePut record is being written: not visible to FileGet yet. */
  private readonly creating = new Map<string, Promise<void>>();
  private lastBlob = 0;

  constructor(private readonly parts: PutParts) {}

  /** At open: the last blob number the records hold. */
  restore(lastBlob: number): void {
    this.lastBlob = lastBlob;
  }

  /** Whether the transfer's FilePut record is still being written. */
  isCreating(tidHex: string): boolean {
    return this.creating.has(tidHex);
  }

  /** FilePut: a new transfer (checks, durable record) or the resume of the uploader's own. */
  async put(uploaderHex: string, f: FrameOf<'file-put'>): Promise<PutResult> {
    const tidHex = toHex(f.transferId);
    await this.creating.get(tidHex);
    const known = this.parts.registry.get(tidHex);
    if (known) return this.resume(known, uploaderHex, f);
    const recipients = fileRecipients(uploaderHex, f.recipients, this.parts.directory);
    if (!Array.isArray(recipients)) return recipients;
    if (recipients.some((r) => f.size > this.parts.files.maxIncoming(r))) {
      // Whose limit it was stays between the relay and that recipient.
      return { code: FileCode.TooLarge, reason: 'file: larger than a recipient accepts' };
    }
    const quota = this.parts.registry.quotaRefusal(uploaderHex, f.size);
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
      createdAtMs: this.parts.clock.now(),
      recipients,
    };
    const t = new Transfer(record, 0);
    // Counted at once: two puts racing cannot both pass the quota.
    this.parts.registry.add(t);
    let settle = () => {};
    this.creating.set(tidHex, new Promise<void>((resolve) => (settle = resolve)));
    try {
      const refused =
        (await this.parts.disk.admit(f.size)) ??
        (await this.parts.store.write(transferOps(record, this.lastBlob), {
          sync: true,
          bytes: 256 + recipients.length * 70,
        }));
      if (refused) {
        this.parts.registry.remove(t);
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
    await this.parts.files.writer(t).drain();
    if (t.deleted) return { code: FileCode.Unknown, reason: 'file: this transfer is gone' };
    return { code: '', transfer: t, have: t.have, epoch };
  }
}
