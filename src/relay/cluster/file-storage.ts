/**
 * File transfers in a cluster of relays (issue 15, docs/files.md "In a cluster"): the
 * FileStorage (files/storage.ts) whose chunks are in JetStream (file-chunks.ts) and whose
 * records are in a key-value bucket every relay follows (file-records.ts). A file put
 * through one relay is fetched through any other, and outlives the relay it came
 * through: nothing of it is on a relay's own disk. Quotas, recipients, sessions and
 * budgets stay the file service's (files/service.ts), as on one relay.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { FileRefusal } from '../files/codes.js';
import type { RecipientState, TransferRecord } from '../files/records.js';
import type { FileChanges, FileStorage, StoredTransfer } from '../files/storage.js';
import { Transfer } from '../files/transfer.js';
import type { RelayLimits } from '../limits.js';
import type { StoreRefusal } from '../store/index.js';
import type { ClusterLink } from './connection.js';
import { ClusterChunks, ensureFileStream } from './file-chunks.js';
import { ClusterFileRecords } from './file-records.js';

export interface ClusterFileStorageOptions {
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export class ClusterFileStorage implements FileStorage {
  readonly shared = true;
  private readonly chunks: ClusterChunks;
  private readonly records: ClusterFileRecords;

  constructor(
    private readonly link: ClusterLink,
    private readonly options: ClusterFileStorageOptions,
  ) {
    this.chunks = new ClusterChunks(link, options.clock);
    this.records = new ClusterFileRecords(link, options);
  }

  async open(
    changes: FileChanges,
  ): Promise<{ transfers: Transfer[]; policies: Map<string, number> }> {
    await ensureFileStream(this.link, this.options.limits, this.options.clock);
    const { stored, policies } = await this.records.open(changes);
    return { transfers: stored.map((s) => new Transfer(s.record, s.have, s.done)), policies };
  }

  async close(): Promise<void> {
    this.records.close();
    this.chunks.close();
  }

  /** Chunks are named by the transfer id; the record's blob number is unused (0). */
  nextBlob(): number | FileRefusal {
    return 0;
  }

  fetch(tidHex: string): Promise<StoredTransfer | null> {
    return this.records.fetch(tidHex);
  }

  /** JetStream's own limits refuse what does not fit (a publish over them is E_FILE_DISK_FULL). */
  create(record: TransferRecord): Promise<StoreRefusal | 'exists' | null> {
    return this.records.create(record);
  }

  async roomFor(): Promise<StoreRefusal | null> {
    return null;
  }

  write(t: Transfer, first: number, parts: readonly Uint8Array[]): Promise<void> {
    return this.chunks.write(t, first, parts);
  }

  commitHave(t: Transfer, have: number): Promise<StoreRefusal | null> {
    return this.records.raiseHave(t.tidHex, have);
  }

  readInto(t: Transfer, from: number, targets: readonly Uint8Array[]): Promise<void> {
    return this.chunks.readInto(t, from, targets);
  }

  settle(tidHex: string, userHex: string, state: RecipientState): Promise<StoreRefusal | null> {
    return this.records.settle(tidHex, userHex, state);
  }

  setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null> {
    return this.records.setPolicy(userHex, maxIncomingBytes);
  }

  /**
   * The record first (every relay stops serving it), then the chunks. Each relay that
   * sees the last outcome may run this; only the one whose compare-and-set delete of the
   * record wins deletes the chunks (one deleter per message: docs/decisions.md).
   */
  async remove(t: Transfer): Promise<void> {
    const { log } = this.options;
    try {
      // Another relay deleted the record first: the chunks are its to delete.
      if (!(await this.records.remove(t.record))) return;
    } catch (err) {
      log.warn('file records not deleted', {
        transfer: t.tidHex.slice(0, 8),
        ...describeError(err),
      });
      return;
    }
    try {
      await this.chunks.deleteAll(t.tidHex);
    } catch (err) {
      log.warn('file chunks not deleted', {
        transfer: t.tidHex.slice(0, 8),
        ...describeError(err),
      });
    }
  }
}
