/**
 * FileChunk, by hand, both ways: the one frame whose size is the file itself. A 256 KiB
 * chunk copied by protobufjs on encode, again by `frame()` and again by the validating
 * decoder cost the sender, relay and receiver about a second of CPU per GiB each, plus the
 * garbage (issue 12 bench). Here the sender seals and the relay reads a blob straight into
 * a frame laid out ahead (`chunkFrame`), and the decoder hands the data out as a view of
 * the frame body. Same bytes as protobufjs (fields in number order, proto3 defaults left
 * out); unit tests hold the two together.
 */
import { exactBytes } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { readVarint, varintLength, writeVarint } from '../framing.js';
import {
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_DATA_BYTES,
  MIN_FILE_CHUNK_BYTES,
  TRANSFER_ID_BYTES,
} from '../limits.js';
import type { FrameOf } from '../types.js';

/** Frame.file_chunk in proto/natter.proto: tag (27 << 3) | 2 = 218, a two-byte varint. */
const FRAME_FILE_CHUNK_TAG = (27 << 3) | 2;
const TAG_TRANSFER_ID = (1 << 3) | 2;
const TAG_INDEX = (2 << 3) | 0;
const TAG_DATA = (3 << 3) | 2;
/** The secretbox tag every sealed chunk carries: the least data a chunk may hold. */
const CHUNK_TAG_BYTES = 16;
/** The largest chunk index (file_chunk.index in codec/files.ts). */
const MAX_CHUNK_INDEX = MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES;

/** The body of a FileChunk: transfer id, index (left out when 0) and the data's header. */
function innerHeadBytes(index: number, dataBytes: number): number {
  return (
    2 +
    TRANSFER_ID_BYTES +
    (index === 0 ? 0 : 1 + varintLength(index)) +
    1 +
    varintLength(dataBytes)
  );
}

/**
 * A whole FileChunk frame, length prefix included, with `dataBytes` of room for the data at
 * `dataAt`: the caller writes the sealed chunk there (seal in place, or read a blob into
 * it) and writes `bytes` as it is. Everything but the data region is filled in.
 */
export function chunkFrame(
  transferId: Uint8Array,
  index: number,
  dataBytes: number,
): { bytes: Buffer; dataAt: number } {
  if (transferId.length !== TRANSFER_ID_BYTES) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      'encode: file_chunk.transfer_id must be 16 bytes',
    );
  }
  if (dataBytes < CHUNK_TAG_BYTES || dataBytes > MAX_FILE_CHUNK_DATA_BYTES) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      `encode: file_chunk.data of ${dataBytes} bytes`,
    );
  }
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) {
    throw new ProtocolError(ProtocolCode.BadValue, 'encode: file_chunk.index is out of range');
  }
  const inner = innerHeadBytes(index, dataBytes) + dataBytes;
  const body = varintLength(FRAME_FILE_CHUNK_TAG) + varintLength(inner) + inner;
  const bytes = Buffer.allocUnsafe(varintLength(body) + body);
  let at = writeVarint(bytes, body, 0);
  at = writeVarint(bytes, FRAME_FILE_CHUNK_TAG, at);
  at = writeVarint(bytes, inner, at);
  bytes[at++] = TAG_TRANSFER_ID;
  bytes[at++] = TRANSFER_ID_BYTES;
  bytes.set(transferId, at);
  at += TRANSFER_ID_BYTES;
  if (index !== 0) {
    bytes[at++] = TAG_INDEX;
    at = writeVarint(bytes, index, at);
  }
  bytes[at++] = TAG_DATA;
  at = writeVarint(bytes, dataBytes, at);
  return { bytes, dataAt: at };
}

/** One FileChunk frame body (no length prefix), the data copied in once. */
export function encodeFileChunk(f: FrameOf<'file-chunk'>): Uint8Array {
  const { bytes, dataAt } = chunkFrame(f.transferId, f.index, f.data.length);
  bytes.set(f.data, dataAt);
  return bytes.subarray(prefixBytes(bytes));
}

/** The length of the length prefix at the start of `framed`. */
function prefixBytes(framed: Uint8Array): number {
  let i = 0;
  while ((framed[i] ?? 0) & 0x80) i++;
  return i + 1;
}

/**
 * A FileChunk frame body laid out as chunkFrame writes it (and protobufjs does), decoded
 * with the data as a view of `body`, not a copy: frame bodies are never mutated or
 * reused (framing.ts), so the view stays valid for as long as it is held. Returns null
 * for anything else, including a FileChunk laid out otherwise (the generic decoder then
 * decides); throws the generic decoder's codes for a chunk that is laid out this way but
 * out of range.
 */
export function decodeFileChunkFast(body: Uint8Array): FrameOf<'file-chunk'> | null {
  const end = body.length;
  if (end < 3 || body[0] !== (FRAME_FILE_CHUNK_TAG & 0x7f) + 0x80 || body[1] !== 1) return null;
  const len = readVarint(body, 2, end);
  if (len === null || len[1] + len[0] !== end) return null;
  let at = len[1];
  if (body[at] !== TAG_TRANSFER_ID || body[at + 1] !== TRANSFER_ID_BYTES) return null;
  at += 2;
  if (at + TRANSFER_ID_BYTES > end) return null;
  const transferId = exactBytes(
    'file_chunk.transfer_id',
    body.subarray(at, at + TRANSFER_ID_BYTES),
    TRANSFER_ID_BYTES,
  );
  at += TRANSFER_ID_BYTES;
  let index = 0;
  if (body[at] === TAG_INDEX) {
    const v = readVarint(body, at + 1, end);
    if (v === null) return null;
    [index, at] = v;
    if (index > MAX_CHUNK_INDEX) {
      throw new ProtocolError(ProtocolCode.BadValue, 'decode: file_chunk.index is out of range');
    }
  }
  if (body[at] !== TAG_DATA) return null;
  const d = readVarint(body, at + 1, end);
  if (d === null || d[1] + d[0] !== end) return null;
  const dataBytes = d[0];
  if (dataBytes < CHUNK_TAG_BYTES || dataBytes > MAX_FILE_CHUNK_DATA_BYTES) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      `decode: file_chunk.data is ${dataBytes} bytes, expected ${CHUNK_TAG_BYTES}..${MAX_FILE_CHUNK_DATA_BYTES}`,
    );
  }
  // A plain Uint8Array view (not a Buffer, whatever `body` is), as other decoders return.
  const data = new Uint8Array(body.buffer, body.byteOffset + d[1], dataBytes);
  return { type: 'file-chunk', transferId, index, data };
}
