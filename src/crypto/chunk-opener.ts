/**
 * The receiver's side of a file transfer's STREAM construction (file-stream.ts): one opener per
 * download opens the chunks strictly in order, each only at its own index and end mark, and
 * checks the whole against the offer (size, completeness, SHA-256). It owns the stream's
 * position and the running hash, and nothing else, so a resumed download rebuilds it from the
 * part file with adoptVerified() (issue 12).
 */
import { createHash, type Hash } from 'node:crypto';
import { bytesEqual, copyBytes } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { fileCipher } from './file-cipher.js';
import { FileCode, fileError } from './file-errors.js';
import {
  checkFileStreamParams,
  FILE_CHUNK_TAG_BYTES,
  type FileStreamParams,
  fillChunkNonce,
  overlaps,
} from './file-stream.js';

/**
 * Opens one transfer's chunks in order and checks the whole against the offer. Each open()
 * either returns the chunk's plaintext and advances, or throws a coded error and changes
 * nothing, so the caller decides whether to ask for the chunk again or abandon the transfer.
 * finish() then says whether the file is complete and its SHA-256 is the offer's. Memory is
 * one SHA-256 state, whatever the file's size.
 */
export class ChunkOpener {
  readonly #key: Uint8Array;
  readonly #prefix: Uint8Array;
  readonly #size: number;
  readonly #chunkSize: number;
  readonly #expectedHash: Uint8Array;
  readonly #hash: Hash = createHash('sha256');
  readonly #nonceBuf = new Uint8Array(24);
  #next = 0;
  #received = 0;
  #sawLast = false;
  #verdict: { ok: true } | { ok: false; error: Error } | null = null;

  /** Throws E_FILE_BAD_OFFER when the parameters are out of range. */
  constructor(params: FileStreamParams) {
    checkFileStreamParams(params);
    this.#key = copyBytes(params.key);
    this.#prefix = copyBytes(params.noncePrefix);
    this.#size = params.size;
    this.#chunkSize = params.chunkSize;
    this.#expectedHash = copyBytes(params.sha256);
  }

  /** The index of the chunk open() expects next. */
  get nextIndex(): number {
    return this.#next;
  }

  /** Plaintext bytes opened so far: the offset in the file where the next chunk goes. */
  get receivedBytes(): number {
    return this.#received;
  }

  /** True once the chunk marked last has opened. */
  get sawLast(): boolean {
    return this.#sawLast;
  }

  /**
   * The plaintext of chunk `index` (as the transport claims it, with its `last` mark), checked
   * in this order: E_FILE_AFTER_LAST once the last chunk has opened; E_FILE_CHUNK_ORDER unless
   * index is the next one; E_FILE_CHUNK_TOO_LARGE past the chunk size (before any work);
   * E_FILE_CHUNK_FORGED when the tag does not verify (which a false index or last mark also
   * causes); E_FILE_SIZE_MISMATCH past the offer's size, or short of it at the last chunk;
   * E_FILE_CHUNK_SHORT for a short chunk that is not the last.
   */
  open(index: number, last: boolean, sealed: Uint8Array): Uint8Array {
    const length = this.#check(index, sealed);
    const plaintext = fileCipher().open(this.#key, this.#nonce(index, last), sealed);
    if (plaintext === null) {
      throw fileError(FileCode.ChunkForged, `file chunk ${index}: does not authenticate`);
    }
    this.#accept(index, last, plaintext, length);
    return plaintext;
  }

  /**
   * open(), with the plaintext written into `out` rather than a new array: the receiver opens
   * every chunk into one reused buffer. Returns the plaintext as a view of `out`'s first
   * bytes; it stays valid until `out` is written again. `out` must hold the chunk's plaintext
   * (chunkSize bytes hold any chunk; E_BAD_ARGUMENT otherwise) and must not overlap `sealed`.
   * The checks, their order and their codes are open()'s, and a chunk refused changes nothing
   * but what `out` holds.
   */
  openInto(index: number, last: boolean, sealed: Uint8Array, out: Uint8Array): Uint8Array {
    const length = this.#check(index, sealed);
    if (!(out instanceof Uint8Array) || out.byteLength < length) {
      throw cryptoError(
        CryptoCode.BadArgument,
        `file chunk ${index}: the output holds fewer than its ${length} bytes`,
      );
    }
    const plaintext = out.subarray(0, length);
    if (overlaps(plaintext, sealed)) {
      throw cryptoError(CryptoCode.BadArgument, `file chunk ${index}: output overlaps the input`);
    }
    if (!fileCipher().openInto(this.#key, this.#nonce(index, last), sealed, plaintext)) {
      throw fileError(FileCode.ChunkForged, `file chunk ${index}: does not authenticate`);
    }
    this.#accept(index, last, plaintext, length);
    return plaintext;
  }

  /** open()'s checks before any work; the plaintext length. */
  #check(index: number, sealed: Uint8Array): number {
    if (this.#sawLast) {
      throw fileError(FileCode.AfterLast, `file chunk ${index}: arrived after the last chunk`);
    }
    if (index !== this.#next) {
      throw fileError(
        FileCode.ChunkOrder,
        `file chunk ${index}: expected chunk ${this.#next} (reordered or duplicated)`,
      );
    }
    if (!(sealed instanceof Uint8Array) || sealed.byteLength < FILE_CHUNK_TAG_BYTES) {
      throw fileError(FileCode.ChunkForged, `file chunk ${index}: shorter than its tag`);
    }
    const length = sealed.byteLength - FILE_CHUNK_TAG_BYTES;
    if (length > this.#chunkSize) {
      throw fileError(
        FileCode.ChunkTooLarge,
        `file chunk ${index}: ${length} bytes, the chunk size is ${this.#chunkSize}`,
      );
    }
    return length;
  }

  /** open()'s checks of an authentic chunk's length, then the hash and the position move. */
  #accept(index: number, last: boolean, plaintext: Uint8Array, length: number): void {
    const total = this.#received + length;
    if (total > this.#size || (last && total < this.#size)) {
      throw fileError(
        FileCode.SizeMismatch,
        `file chunk ${index}: ${total > this.#size ? 'more' : 'fewer'} bytes than the offer's ${this.#size}`,
      );
    }
    if ((!last && length !== this.#chunkSize) || (last && length === 0 && this.#size > 0)) {
      throw fileError(
        FileCode.ChunkShort,
        `file chunk ${index}: ${length} bytes in a chunk that must be ${last ? 'non-empty' : 'full'}`,
      );
    }
    this.#hash.update(plaintext);
    this.#received = total;
    this.#next += 1;
    this.#sawLast = last;
  }

  /** The chunk's nonce, in a buffer reused by this opener (opening is synchronous). */
  #nonce(index: number, last: boolean): Uint8Array {
    fillChunkNonce(this.#nonceBuf, this.#prefix, index, last);
    return this.#nonceBuf;
  }

  /**
   * Resumes a transfer after a restart: takes the plaintext of chunk `nextIndex` that was
   * opened and made durable before (the receiver's part file), without its seal, so the hash
   * and the position continue from there. Held to the same length rules as open(): a full
   * chunk, or the last one, which must end exactly at the offer's size (E_FILE_CHUNK_SHORT,
   * E_FILE_SIZE_MISMATCH, E_FILE_AFTER_LAST). The caller vouches for the bytes: finish()
   * still checks the whole stream's SHA-256, so a damaged part file fails there.
   */
  adoptVerified(plaintext: Uint8Array): void {
    const index = this.#next;
    if (this.#sawLast) {
      throw fileError(FileCode.AfterLast, `file chunk ${index}: adopted after the last chunk`);
    }
    const length = plaintext.byteLength;
    const total = this.#received + length;
    if (length > this.#chunkSize || total > this.#size) {
      throw fileError(
        FileCode.SizeMismatch,
        `file chunk ${index}: ${length} bytes do not fit the offer's ${this.#size}`,
      );
    }
    const last = total === this.#size;
    if (!last && length !== this.#chunkSize) {
      throw fileError(
        FileCode.ChunkShort,
        `file chunk ${index}: ${length} bytes, not a full chunk`,
      );
    }
    this.#hash.update(plaintext);
    this.#received = total;
    this.#next += 1;
    this.#sawLast = last;
  }

  /**
   * Checks that the stream is complete (E_FILE_TRUNCATED if no chunk marked last has opened)
   * and that the plaintext's SHA-256 is the offer's (E_FILE_HASH_MISMATCH). Once complete, the
   * verdict is final: calling again repeats it.
   */
  finish(): void {
    if (this.#verdict === null) {
      if (!this.#sawLast) {
        throw fileError(
          FileCode.Truncated,
          `file: ended after ${this.#next} chunks (${this.#received} of ${this.#size} bytes) without the last chunk`,
        );
      }
      const digest = new Uint8Array(this.#hash.digest());
      this.#verdict = bytesEqual(digest, this.#expectedHash)
        ? { ok: true }
        : {
            ok: false,
            error: fileError(FileCode.HashMismatch, "file: SHA-256 is not the offer's"),
          };
    }
    if (!this.#verdict.ok) throw this.#verdict.error;
  }
}
