/**
 * The relay's file codes (docs/files.md "Codes"): in FilePutResult, FileGetResult and
 * FileChunkAck, and E_FILE_CHUNK_ORDER in the Error frame that closes a connection.
 */
export const FileCode = {
  /** The uploader's quota (bytes or transfers) would be exceeded. */
  Quota: 'E_FILE_QUOTA',
  /** Larger than a recipient accepts (their FilePolicy). */
  TooLarge: 'E_FILE_TOO_LARGE',
  /** The relay is short of disk. */
  DiskFull: 'E_FILE_DISK_FULL',
  /** The relay could not store the chunk or record for another reason; retry later. */
  Store: 'E_FILE_STORE',
  /** No such transfer for you: never existed, expired, cancelled or done. */
  Unknown: 'E_FILE_UNKNOWN',
  /** To a downloader in a FileChunkAck: the uploader cancelled the transfer. */
  Cancelled: 'E_FILE_CANCELLED',
  /** The transfer id is in use with other parameters or by another user. */
  Conflict: 'E_FILE_CONFLICT',
  /** A group put by someone not in the group. */
  NotMember: 'E_FILE_NOT_MEMBER',
  /** A named recipient is not registered here (or is the sender), or the group has nobody else. */
  NoRecipient: 'E_FILE_NO_RECIPIENT',
  /** A chunk out of sequence or of the wrong length: closes the connection. */
  ChunkOrder: 'E_FILE_CHUNK_ORDER',
} as const;

export type FileCodeValue = (typeof FileCode)[keyof typeof FileCode];

/** A refusal with its code and words for the log and the peer (never names or content). */
export interface FileRefusal {
  code: FileCodeValue;
  reason: string;
}

/** The file code for a failed blob write: a full disk or quota, else a store failure. */
export function ioFileCode(err: unknown): FileCodeValue {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? FileCode.DiskFull : FileCode.Store;
}
