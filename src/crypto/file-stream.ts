import { createHash, type Hash } from 'node:crypto';
import { bytesEqual, copyBytes } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { fileCipher } from './file-cipher.js';
import { FileCode, fileError } from './file-errors.js';
import { randomBytes } from './random.js';

/**
 * File chunks, sealed in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
 * Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015) over NaCl's
 * secretbox: per transfer a random file key and a random 15-byte nonce prefix; chunk i is
 * sealed under nonce = prefix ‖ u64be(i) ‖ last, where last is 0x01 for the final chunk and
 * 0x00 otherwise. Because index and end marker are in the nonce, a chunk opens only at its own
 * position: the receiver detects reordering, duplication, truncation (no chunk opened as last)
 * and extension (anything after it) without any extra MAC (DESIGN.md §7, issue 12).
 *
 * One key seals one file, so the nonces never repeat: the sender draws a fresh key and prefix
 * for every transfer (newFileKey) and never seals two plaintexts at the same index. A resumed
 * upload re-seals the same chunk from the same file, which is the same plaintext.
 *
 * Chunk i always holds plaintext bytes [i × chunkSize, (i + 1) × chunkSize) of the file: every
 * chunk but the last is exactly chunkSize bytes and the last is non-empty (unless the file is),
 * so the chunk count follows from the size and resume can seek straight to a chunk.
 */

export const FILE_KEY_BYTES = 32;
/** 15 random bytes: with a fresh key per file they only need to keep STREAM's nonce layout. */
export const FILE_NONCE_PREFIX_BYTES = 15;
/** Poly1305 tag before each chunk's ciphertext. */
export const FILE_CHUNK_TAG_BYTES = 16;
export const FILE_HASH_BYTES = 32;
/**
 * The chunk size a sender offers unless told otherwise. Large enough that a chunk's fixed
 * costs (tag, frame, relay fsync and ack) vanish beside its bytes and both secretbox builds run
 * at full speed; small enough that a resume resends little and buffers stay small.
 */
export const DEFAULT_FILE_CHUNK_BYTES = 256 * 1024;
/**
 * The smallest chunk size an offer may name: smaller chunks would only multiply per-chunk
 * overhead (a tag, a frame, an ack and a relay write each) that a hostile sender imposes on
 * the relay and the receiver; one page keeps the tags under 0.4 % of the bytes.
 */
export const MIN_FILE_CHUNK_BYTES = 4 * 1024;
/**
 * The largest chunk size an offer may name: bounds what the relay and the receiver hold per
 * chunk in memory and what one resume may resend. Chunk frames need a wire limit of at least
 * this plus the tag and framing.
 */
export const MAX_FILE_CHUNK_BYTES = 256 * 1024;
/**
 * The largest file an offer may announce: 64 GiB covers the disk images and videos people pass
 * around a LAN while bounding what one offer may claim against a relay quota or a receiver's
 * disk; byte offsets stay exact integers (far below 2^53) and, at the default chunk size, a
 * file has at most 262,144 chunks.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024 * 1024;

/** A transfer's secrets: the sender puts both in the (end-to-end sealed) offer. */
export interface FileKey {
  readonly key: Uint8Array;
  readonly noncePrefix: Uint8Array;
}

/** What the receiver learned from the offer, and checks the stream against. */
export interface FileStreamParams extends FileKey {
  /** Plaintext bytes, at most MAX_FILE_BYTES. */
  readonly size: number;
  /** Plaintext bytes per chunk, MIN_FILE_CHUNK_BYTES to MAX_FILE_CHUNK_BYTES. */
  readonly chunkSize: number;
  /** SHA-256 of the whole plaintext. */
  readonly sha256: Uint8Array;
}

/** A fresh random file key and nonce prefix from the CSPRNG, for one transfer. */
export function newFileKey(): FileKey {
  return { key: randomBytes(FILE_KEY_BYTES), noncePrefix: randomBytes(FILE_NONCE_PREFIX_BYTES) };
}

/** How many chunks a file of `size` bytes has: at least one (an empty file has one, empty). */
export function fileChunkCount(size: number, chunkSize: number): number {
  return size === 0 ? 1 : Math.ceil(size / chunkSize);
}

/**
 * Chunk `index` of a file: the tag followed by the ciphertext (plaintext length + 16 bytes).
 * `last` must be true exactly for the final chunk. Throws E_BAD_KEY, E_BAD_NONCE or
 * E_BAD_ARGUMENT on wrong sizes or a bad index, E_FILE_CHUNK_TOO_LARGE past MAX_FILE_CHUNK_BYTES.
 */
export function sealChunk(
  key: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  last: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  checkSealArgs(key, noncePrefix, index, plaintext);
  return fileCipher().seal(key, chunkNonce(noncePrefix, index, last), plaintext);
}

/**
 * sealChunk's bytes (tag, then ciphertext), written into `out` instead of a new array: the
 * sender seals straight into the data region of the outgoing FileChunk frame. `out` must be
 * exactly plaintext + FILE_CHUNK_TAG_BYTES long and must not overlap `plaintext` (E_BAD_ARGUMENT
 * otherwise); the other checks and codes are sealChunk's.
 */
export function sealChunkInto(
  key: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  last: boolean,
  plaintext: Uint8Array,
  out: Uint8Array,
): void {
  checkSealArgs(key, noncePrefix, index, plaintext);
  if (
    !(out instanceof Uint8Array) ||
    out.byteLength !== plaintext.byteLength + FILE_CHUNK_TAG_BYTES
  ) {
    throw cryptoError(
      CryptoCode.BadArgument,
      `file chunk ${index}: the output must be the plaintext plus ${FILE_CHUNK_TAG_BYTES} bytes`,
    );
  }
  if (overlaps(out, plaintext)) {
    throw cryptoError(CryptoCode.BadArgument, `file chunk ${index}: output overlaps the input`);
  }
  fillNonce(sealNonce, noncePrefix, index, last);
  fileCipher().sealInto(key, sealNonce, plaintext, out);
}

/** sealChunkInto's nonce, reused: sealing is synchronous, so no two calls share it at once. */
const sealNonce = new Uint8Array(24);

function checkSealArgs(
  key: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  plaintext: Uint8Array,
): void {
  if (!isBytes(key, FILE_KEY_BYTES)) {
    throw cryptoError(CryptoCode.BadKey, `file chunk: key must be ${FILE_KEY_BYTES} bytes`);
  }
  if (!isBytes(noncePrefix, FILE_NONCE_PREFIX_BYTES)) {
    throw cryptoError(
      CryptoCode.BadNonce,
      `file chunk: nonce prefix must be ${FILE_NONCE_PREFIX_BYTES} bytes`,
    );
  }
  if (!Number.isSafeInteger(index) || index < 0) {
    throw cryptoError(CryptoCode.BadArgument, 'file chunk: index must be a non-negative integer');
  }
  if (!(plaintext instanceof Uint8Array) || plaintext.byteLength > MAX_FILE_CHUNK_BYTES) {
    throw fileError(
      FileCode.ChunkTooLarge,
      `file chunk ${index}: plaintext must be bytes, at most ${MAX_FILE_CHUNK_BYTES}`,
    );
  }
}

/** Throws E_FILE_BAD_OFFER unless `params` are in range (sizes, lengths, limits). */
export function checkFileStreamParams(params: FileStreamParams): void {
  const bad = (what: string) => fileError(FileCode.BadOffer, `file offer: ${what}`);
  if (!isBytes(params.key, FILE_KEY_BYTES)) throw bad(`key is not ${FILE_KEY_BYTES} bytes`);
  if (!isBytes(params.noncePrefix, FILE_NONCE_PREFIX_BYTES)) {
    throw bad(`nonce prefix is not ${FILE_NONCE_PREFIX_BYTES} bytes`);
  }
  if (!isBytes(params.sha256, FILE_HASH_BYTES)) throw bad(`hash is not ${FILE_HASH_BYTES} bytes`);
  if (!Number.isSafeInteger(params.size) || params.size < 0 || params.size > MAX_FILE_BYTES) {
    throw bad(`size must be 0 to ${MAX_FILE_BYTES} bytes`);
  }
  const { chunkSize } = params;
  if (
    !Number.isSafeInteger(chunkSize) ||
    chunkSize < MIN_FILE_CHUNK_BYTES ||
    chunkSize > MAX_FILE_CHUNK_BYTES
  ) {
    throw bad(`chunk size must be ${MIN_FILE_CHUNK_BYTES} to ${MAX_FILE_CHUNK_BYTES} bytes`);
  }
}

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
    fillNonce(this.#nonceBuf, this.#prefix, index, last);
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

/** prefix(15) ‖ u64be(index) ‖ last(1): STREAM's nonce for secretbox's 24 bytes. */
function chunkNonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(24);
  fillNonce(nonce, prefix, index, last);
  return nonce;
}

/** Writes chunkNonce(prefix, index, last) into `nonce` (24 bytes). */
function fillNonce(nonce: Uint8Array, prefix: Uint8Array, index: number, last: boolean): void {
  nonce.set(prefix, 0);
  const high = Math.floor(index / 2 ** 32);
  const low = index >>> 0;
  const at = FILE_NONCE_PREFIX_BYTES;
  nonce[at] = high >>> 24;
  nonce[at + 1] = (high >>> 16) & 0xff;
  nonce[at + 2] = (high >>> 8) & 0xff;
  nonce[at + 3] = high & 0xff;
  nonce[at + 4] = low >>> 24;
  nonce[at + 5] = (low >>> 16) & 0xff;
  nonce[at + 6] = (low >>> 8) & 0xff;
  nonce[at + 7] = low & 0xff;
  nonce[23] = last ? 1 : 0;
}

/** True when the two views share any byte of memory. */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function isBytes(value: unknown, bytes: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === bytes;
}
