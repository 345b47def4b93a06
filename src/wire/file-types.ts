/**
 * The file-transfer domain types (issue 12, docs/files.md): what the codec returns for the
 * file frames and offers after validation (types.ts re-exports them with the others).
 */

/** Where a FilePut sends its blob: named users, or a group's current members. */
export type FileRecipients = { to: Uint8Array[] } | { groupId: Uint8Array };

/** What a client says when a transfer is over for it (FileDone). */
export type FileOutcome = 'received' | 'declined' | 'cancelled';

/** File transfer frames (issue 12, docs/files.md). Byte fields are owned copies. */
export type FileFrame =
  | {
      type: 'file-put';
      requestId: number;
      transferId: Uint8Array;
      size: number;
      chunkBytes: number;
      recipients: FileRecipients;
    }
  | {
      type: 'file-put-result';
      requestId: number;
      code: string;
      reason: string;
      haveChunks: number;
      /** A group's file, accepted: members over their size limit, left out of it (user ids). */
      leftOut: Uint8Array[];
    }
  | { type: 'file-chunk'; transferId: Uint8Array; index: number; data: Uint8Array }
  | {
      type: 'file-chunk-ack';
      transferId: Uint8Array;
      through: number;
      /** Relay -> uploader only: chunk `through` could not be stored (E_FILE_...); else ''. */
      code: string;
      reason: string;
    }
  | { type: 'file-get'; requestId: number; transferId: Uint8Array; fromIndex: number }
  | {
      type: 'file-get-result';
      requestId: number;
      code: string;
      reason: string;
      size: number;
      chunkBytes: number;
      haveChunks: number;
      /** The uploader's user id; empty when code is set. */
      from: Uint8Array;
    }
  | { type: 'file-done'; transferId: Uint8Array; outcome: FileOutcome }
  | { type: 'file-policy'; maxIncomingBytes: number };

/** One file of a folder offer, at a relative '/'-separated path the receiver validates. */
export interface FileEntry {
  path: string;
  size: number;
}

/**
 * An offer (DESIGN.md §7): everything a receiver needs to fetch, open and check a
 * transfer. `entries` is empty for a single file; for a folder it lists the files
 * whose concatenation, in this order, is the stream.
 */
export interface FileOffer {
  transferId: Uint8Array;
  name: string;
  size: number;
  sha256: Uint8Array;
  chunkBytes: number;
  mime: string;
  fileKey: Uint8Array;
  noncePrefix: Uint8Array;
  entries: FileEntry[];
  /** Several paths sent at once (entries' first segments): saved each on its own, not in one folder. */
  several: boolean;
}
