/**
 * The codes of file-chunk sealing and opening (file-stream.ts, DESIGN.md §7, issue 12). Their
 * own union beside errors.ts's CryptoCode because each one is a distinct verdict the receiver
 * reports on a transfer (the relay cut it short, the sender lied about its size, the bytes
 * were tampered with), and tests branch on them.
 */
import { errorFactory } from '../util/errors.js';

export const FileCode = {
  /** Offer parameters out of range: key or prefix size, size, chunk size, hash length. */
  BadOffer: 'E_FILE_BAD_OFFER',
  /** A chunk whose index is not the next expected one: reordered, duplicated or skipped. */
  ChunkOrder: 'E_FILE_CHUNK_ORDER',
  /** A chunk after the one marked last. */
  AfterLast: 'E_FILE_AFTER_LAST',
  /** The stream ended (finish) before a chunk marked last arrived. */
  Truncated: 'E_FILE_TRUNCATED',
  /** More bytes than the offer's size (reported at once), or fewer by the last chunk. */
  SizeMismatch: 'E_FILE_SIZE_MISMATCH',
  /** A chunk holding more plaintext than the offer's chunk size. */
  ChunkTooLarge: 'E_FILE_CHUNK_TOO_LARGE',
  /**
   * A chunk shorter than the chunk size that is not the last, or an empty last chunk of a
   * non-empty file: chunk i always starts at byte i × chunkSize, so resume can seek to it.
   */
  ChunkShort: 'E_FILE_CHUNK_SHORT',
  /** A chunk whose tag does not verify: tampered, wrong key, or a lie about index or last. */
  ChunkForged: 'E_FILE_CHUNK_FORGED',
  /** Every chunk opened, but the plaintext's SHA-256 is not the offer's. */
  HashMismatch: 'E_FILE_HASH_MISMATCH',
} as const;

export type FileCodeValue = (typeof FileCode)[keyof typeof FileCode];

/** An error of file-chunk sealing or opening with its stable code. */
export const fileError = errorFactory<FileCodeValue>();
