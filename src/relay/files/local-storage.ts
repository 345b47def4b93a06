/**
 * File transfers on one relay (docs/files.md "Blob store"): records in LevelDB (records.ts),
 * chunks in one blob file per transfer (blob-store.ts), the free-disk watermark (disk-room.ts).
 * Every `have`, outcome and policy of a turn goes in one synced LevelDB batch; a chunk
 * batch is fsynced before its `have` is written. At open each blob is cut to its durable
 * `have` and orphans are removed (load.ts). Nobody else writes here, so no change is
 * ever reported from outside.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { GroupCommit } from '../../util/group-commit.js';
import type { Logger } from '../../util/logger.js';
import { Periodic } from '../../util/periodic.js';
import { STORE_REFUSAL_CODES } from '../errors.js';
import type { KvOp, RelayStore, StoreRefusal } from '../store/index.js';
import { BLOB_IDLE_MS, BLOB_OPEN_FILES, BlobStore, MAX_BLOB_NUMBER } from './blob-store.js';
import { FileCode, type FileRefusal } from './codes.js';
import { DiskRoom } from './disk-room.js';
import { restoreFiles } from './load.js';
import {
  deleteOps,
  doneOp,
  haveOp,
  isHaveOp,
  policyOp,
  type RecipientState,
  type TransferRecord,
  transferOps,
} from './records.js';
import type { FileStorage, StoredTransfer } from './storage.js';
import type { Transfer } from './transfer.js';

export interface LocalFileStorageOptions {
  store: RelayStore;
  dataDir: string;
  clock: Clock;
  log: Logger;
}

export class LocalFileStorage implements FileStorage {
  readonly shared = false;
  readonly blobs: BlobStore;
  private readonly disk: DiskRoom;
  private readonly commits: GroupCommit<KvOp, StoreRefusal | null>;
  private readonly idleCloser: Periodic;
  /** The last blob number handed out (stored with each record, so never reused). */
  private lastBlob = 0;

  constructor(private readonly options: LocalFileStorageOptions) {
    const { store, clock, log } = options;
    this.blobs = new BlobStore(options.dataDir, BLOB_OPEN_FILES, () => clock.now());
    this.disk = new DiskRoom(store, clock);
    // One synced LevelDB batch for every `have`, outcome and policy of a turn. A `have`
    // rewrites a key in place, and its chunks passed the disk watermark (DiskRoom) just
    // before: a batch of them alone adds no bytes, so it costs no free-space reading.
    this.commits = new GroupCommit((ops) => {
      let bytes = 0;
      for (const op of ops) if (!isHaveOp(op)) bytes += 64;
      return store.write(ops, { sync: true, bytes });
    });
    // Every BLOB_IDLE_MS, closes the blob files no transfer used meanwhile.
    this.idleCloser = new Periodic(
      clock,
      BLOB_IDLE_MS,
      () => this.blobs.closeIdle(),
      (err) => log.error('closing idle blob files failed', describeError(err)),
    );
  }

  /** Loads the records and cuts every blob to its durable `have`, removing orphans. */
  async open(): Promise<{ transfers: Transfer[]; policies: Map<string, number> }> {
    await this.blobs.open();
    const restored = await restoreFiles(this.options.store.kv, this.blobs, this.options.log);
    this.lastBlob = restored.lastBlob;
    this.idleCloser.start();
    return { transfers: restored.transfers, policies: restored.policies };
  }

  async close(): Promise<void> {
    this.idleCloser.stop();
    await this.commits.drain();
    await this.blobs.close();
  }

  nextBlob(): number | FileRefusal {
    if (this.lastBlob >= MAX_BLOB_NUMBER) {
      return { code: FileCode.Store, reason: 'file: the relay has no blob names left' };
    }
    return ++this.lastBlob;
  }

  /** Everything stored here is held in memory from the start. */
  async fetch(): Promise<StoredTransfer | null> {
    return null;
  }

  async create(record: TransferRecord): Promise<StoreRefusal | null> {
    return (
      (await this.disk.admit(record.size)) ??
      (await this.options.store.write(transferOps(record, this.lastBlob), {
        sync: true,
        bytes: 256 + record.recipients.length * 70,
      }))
    );
  }

  roomFor(bytes: number): Promise<StoreRefusal | null> {
    return this.disk.take(bytes);
  }

  async write(t: Transfer, first: number, parts: readonly Uint8Array[]): Promise<void> {
    const created = !t.blobCreated;
    await this.blobs.write(t.record.blob, t.layout.offset(first), parts, created);
    t.blobCreated = true;
  }

  commitHave(t: Transfer, have: number): Promise<StoreRefusal | null> {
    return this.commits.submit(haveOp(t.tidHex, have));
  }

  readInto(t: Transfer, from: number, targets: readonly Uint8Array[]): Promise<void> {
    return this.blobs.readInto(t.record.blob, t.layout.offset(from), targets);
  }

  settle(tidHex: string, userHex: string, state: RecipientState): Promise<StoreRefusal | null> {
    return this.commits.submit(doneOp(tidHex, userHex, state));
  }

  setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null> {
    return this.commits.submit(policyOp(userHex, maxIncomingBytes));
  }

  /** The records go (one synced batch), then the blob. */
  async remove(t: Transfer): Promise<void> {
    const { log } = this.options;
    const refused = await this.commits.submit(deleteOps(t.record));
    if (refused) {
      const code = STORE_REFUSAL_CODES[refused.code];
      log.warn('file records not deleted', { transfer: t.tidHex.slice(0, 8), code });
      return;
    }
    try {
      await this.blobs.remove(t.record.blob);
    } catch (err) {
      log.warn('file blob not removed', { transfer: t.tidHex.slice(0, 8), ...describeError(err) });
    }
  }
}
