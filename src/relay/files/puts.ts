/**
 * FilePut at the relay (issue 12, docs/files.md "Through the relay"): a new transfer's
 * checks (recipients.ts, the recipients' FilePolicy, the uploader's quota, blob names
 * left) and its durable record, or the resume of the uploader's own transfer. Owns the
 * transfers whose record is being written, which no session may see yet. In a cluster a
 * transfer put through another relay may not have reached this one's memory yet: the
 * storage is asked before a new one is made (and its create refuses an id taken meanwhile).
 */
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import type { FrameOf } from '../../wire/types.js';
import type { StoreRefusal } from '../store/index.js';
import { FileCode, type FileRefusal } from './codes.js';
import { fileRecipients, type RecipientDirectory } from './recipients.js';
import type { TransferRecord } from './records.js';
import type { TransferRegistry } from './registry.js';
import type { FileStorage } from './storage.js';
import { Transfer } from './transfer.js';
import type { ChunkWriter } from './uploads.js';

/**
 * What FilePut leads to: the transfer and its durable count, the epoch to upload under, and
 * for a new group transfer the members left out of it over their size limit (user id hex).
 */
export type PutResult =
  | { code: ''; transfer: Transfer; have: number; epoch: number; leftOut: string[] }
  | FileRefusal;

/** What puts need of the relay's file parts (service.ts builds them). */
export interface PutParts {
  registry: TransferRegistry;
  storage: FileStorage;
  clock: Clock;
  directory: RecipientDirectory;
  /** The file service: what a user accepts, a transfer's chunk writer, one found stored. */
  files: {
    maxIncoming(userHex: string): number;
    writer(t: Transfer): ChunkWriter;
    adopt(t: Transfer): Transfer;
  };
}

const refusalOf = (r: StoreRefusal): FileRefusal => ({
  code: r.code === 'disk-full' ? FileCode.DiskFull : FileCode.Store,
  reason: `file: ${r.reason}`,
});

export class FilePuts {
  /** Transfers whose FilePut record is being written: not visible to FileGet yet. */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(private readonly parts: PutParts) {}

  /** Whether the transfer's FilePut record is still being written. */
  isCreating(tidHex: string): boolean {
    return this.creating.has(tidHex);
  }

  /** FilePut: a new transfer (checks, durable record) or the resume of the uploader's own. */
  async put(uploaderHex: string, f: FrameOf<'file-put'>): Promise<PutResult> {
    const tidHex = toHex(f.transferId);
    const { registry, storage } = this.parts;
    for (let asked = false; ; asked = true) {
      await this.creating.get(tidHex);
      const known = registry.get(tidHex);
      if (known) return this.resume(known, uploaderHex, f);
      if (!storage.shared || asked) break;
      // Put through another relay (the uploader moved here): resumed, not made again.
      const stored = await storage.fetch(tidHex);
      if (stored && !registry.get(tidHex) && !this.creating.has(tidHex)) {
        this.parts.files.adopt(new Transfer(stored.record, stored.have, stored.done));
      }
    }
    const named = fileRecipients(uploaderHex, f.recipients, this.parts.directory);
    if (!Array.isArray(named)) return named;
    const within = (r: string) => f.size <= this.parts.files.maxIncoming(r);
    const recipients = named.filter(within);
    // A group's file goes to the members who accept its size; the others are left out (they
    // could never fetch it) and named to the uploader, whose client tells who will not get
    // it. A file to named people is theirs or nobody's, and when no member accepts it,
    // nobody's: refused, as before (docs/decisions.md "A group's file skips who cannot take it").
    if (recipients.length === 0 || ('to' in f.recipients && recipients.length < named.length)) {
      // One named recipient: their limit is said, so the uploader can tell them (a trial).
      const one =
        named.length === 1 ? ` (at most ${this.parts.files.maxIncoming(named[0]!)} bytes)` : '';
      return { code: FileCode.TooLarge, reason: `file: larger than a recipient accepts${one}` };
    }
    const leftOut = named.filter((r) => !within(r));
    const quota = registry.quotaRefusal(uploaderHex, f.size);
    if (quota) return quota;
    const blob = storage.nextBlob();
    if (typeof blob !== 'number') return blob;
    const record: TransferRecord = {
      tidHex,
      uploaderHex,
      size: f.size,
      chunkBytes: f.chunkBytes,
      blob,
      createdAtMs: this.parts.clock.now(),
      recipients,
    };
    const t = new Transfer(record, 0);
    // Counted at once: two puts racing cannot both pass the quota.
    registry.add(t);
    let settle = () => {};
    this.creating.set(tidHex, new Promise<void>((resolve) => (settle = resolve)));
    try {
      const refused = await storage.create(record);
      if (refused) {
        registry.remove(t);
        return refused === 'exists'
          ? {
              code: FileCode.Store,
              reason: 'file: the transfer id is being put elsewhere; try again',
            }
          : refusalOf(refused);
      }
    } finally {
      this.creating.delete(tidHex);
      settle();
    }
    return { code: '', transfer: t, have: 0, epoch: t.newEpoch(), leftOut };
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
    if (this.parts.storage.shared) {
      // The last relay it went through may have stored more than its news here says yet.
      const stored = await this.parts.storage.fetch(t.tidHex);
      if (stored) t.advance(stored.have);
    }
    if (t.deleted) return { code: FileCode.Unknown, reason: 'file: this transfer is gone' };
    // Who was left out was said to the first put; a resume is the same transfer.
    return { code: '', transfer: t, have: t.have, epoch, leftOut: [] };
  }
}
