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
 *
 * This module is the sender's side and what both sides share (sizes, limits, the nonce layout);
 * the receiver's side, which opens the chunks in order and checks the whole, is chunk-opener.ts.
 */
import { CryptoCode, cryptoError } from './errors.js';
import { fileCipher } from './file-cipher.js';
import { FileCode, fileError } from './file-errors.js';
import { randomBytes } from './random.js';

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
  fillChunkNonce(sealNonce, noncePrefix, index, last);
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

/** prefix(15) ‖ u64be(index) ‖ last(1): STREAM's nonce for secretbox's 24 bytes. */
function chunkNonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(24);
  fillChunkNonce(nonce, prefix, index, last);
  return nonce;
}

/** Writes chunkNonce(prefix, index, last) into `nonce` (24 bytes); the opener reuses one buffer. */
export function fillChunkNonce(
  nonce: Uint8Array,
  prefix: Uint8Array,
  index: number,
  last: boolean,
): void {
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

/** True when the two views share any byte of memory: the into-variants refuse such buffers. */
export function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function isBytes(value: unknown, bytes: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === bytes;
}
