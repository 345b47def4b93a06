/**
 * Where a relay keeps its file transfers (docs/files.md "Through the relay"): the boundary
 * between the file service (service.ts: quotas, recipients, sessions, deletion) and the
 * durable state. One relay keeps records in LevelDB and chunks in blob files
 * (local-storage.ts); a relay of a cluster keeps both in NATS JetStream
 * (cluster/file-storage.ts, issue 15), where every relay sees every transfer. The service
 * holds only what a storage said is durable, and a storage changed by others (the other
 * relays of a cluster) reports the change through FileChanges.
 */
import type { StoreRefusal } from '../store/index.js';
import type { FileRefusal } from './codes.js';
import type { RecipientState, TransferRecord } from './records.js';
import type { Transfer } from './transfer.js';

/** A transfer as stored: its record, its durable chunk count and the recipients' outcomes. */
export interface StoredTransfer {
  record: TransferRecord;
  have: number;
  done: ReadonlyMap<string, RecipientState>;
}

/** What a storage tells the service about changes made elsewhere (another relay). */
export interface FileChanges {
  /** A transfer stored (or found at open); merged with one already held. */
  added(s: StoredTransfer): void;
  /** More chunks of a transfer are durable. */
  advanced(tidHex: string, have: number): void;
  /** A recipient's FileDone. */
  settled(tidHex: string, userHex: string, state: RecipientState): void;
  /** The transfer was deleted (done, cancelled or expired). */
  removed(tidHex: string): void;
  /** A user's FilePolicy (0: the default). */
  policy(userHex: string, maxIncomingBytes: number): void;
}

/** The upload side: room, chunk writes and the durable count (uploads.ts). */
export interface ChunkSink {
  /** Why `bytes` more chunk bytes would be refused now, or null. */
  roomFor(bytes: number): Promise<StoreRefusal | null>;
  /** Stores chunks `first`, `first + 1`, … of `t`; resolves once they are durable; throws on failure. */
  write(t: Transfer, first: number, parts: readonly Uint8Array[]): Promise<void>;
  /** Records that `have` chunks are durable; resolves with the refusal, or null once recorded. */
  commitHave(t: Transfer, have: number): Promise<StoreRefusal | null>;
}

/** The download side (downloads.ts). */
export interface ChunkSource {
  /** Fills `targets` with chunks `from`, `from + 1`, … (each target exactly one chunk long). */
  readInto(t: Transfer, from: number, targets: readonly Uint8Array[]): Promise<void>;
}

export interface FileStorage extends ChunkSink, ChunkSource {
  /**
   * Whether other relays write the same storage (a cluster): a FilePut for a transfer not
   * held in memory then asks the storage (`fetch`) before making a new one.
   */
  readonly shared: boolean;
  /** Loads what is stored (and starts following others' changes). */
  open(changes: FileChanges): Promise<{ transfers: Transfer[]; policies: Map<string, number> }>;
  /** Stops following changes and waits for the storage's own work. Idempotent. */
  close(): Promise<void>;
  /** The storage's name for a new transfer's chunks (TransferRecord.blob), or a refusal. */
  nextBlob(): number | FileRefusal;
  /**
   * What a shared storage holds for a transfer now (possibly put through another relay and
   * not reported yet), or null; a storage that is not shared holds nothing memory lacks.
   */
  fetch(tidHex: string): Promise<StoredTransfer | null>;
  /** FilePut: room for `record.size` bytes and the durable record; 'exists' if the id was taken meanwhile. */
  create(record: TransferRecord): Promise<StoreRefusal | 'exists' | null>;
  /** A recipient's FileDone, durable before it resolves with null. */
  settle(tidHex: string, userHex: string, state: RecipientState): Promise<StoreRefusal | null>;
  /** A user's FilePolicy (0 deletes it), durable before it resolves with null. */
  setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null>;
  /** Deletes the transfer's record, then its chunks. Failures are logged, never thrown. */
  remove(t: Transfer): Promise<void>;
}
