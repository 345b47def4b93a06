/**
 * File transfer frames and the offer (issue 12, DESIGN.md §7, docs/files.md). Lengths,
 * ranges and counts are checked here. Names and paths are only bounded: they may hold
 * anything a hostile sender typed, and the receiver sanitises and validates them
 * (src/peer/files/safe-name.ts) before they reach a screen or a file system.
 */

import { boundedBytes, count, enumValue, exactBytes, parse, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { natter as pb } from '../gen/natter.js';
import {
  FILE_HASH_BYTES,
  FILE_KEY_BYTES,
  FILE_NONCE_PREFIX_BYTES,
  GROUP_ID_BYTES,
  KEY_BYTES,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MAX_FILE_CHUNK_DATA_BYTES,
  MAX_FILE_CODE_CHARS,
  MAX_FILE_ENTRIES,
  MAX_FILE_MIME_CHARS,
  MAX_FILE_NAME_BYTES,
  MAX_FILE_PATH_BYTES,
  MAX_FILE_RECIPIENTS,
  MAX_REASON_CHARS,
  MIN_FILE_CHUNK_BYTES,
  TRANSFER_ID_BYTES,
} from '../limits.js';
import type {
  FileEntry,
  FileOffer,
  FileOutcome,
  FileRecipients,
  FileReplyOutcome,
  FrameOf,
} from '../types.js';

/** natter.FileOutcome: index = wire number. */
export const FILE_OUTCOME_TABLE: readonly FileOutcome[] = ['received', 'declined', 'cancelled'];

const U32_MAX = 0xffff_ffff;
/** The tag every sealed chunk carries (secretbox). */
const CHUNK_TAG_BYTES = MAX_FILE_CHUNK_DATA_BYTES - MAX_FILE_CHUNK_BYTES;

/** A string bounded in UTF-8 bytes, controls allowed: the receiver sanitises it. */
function rawText(field: string, value: unknown, maxBytes: number, required: boolean): string {
  const s = text(field, value, maxBytes, { multiline: true, required });
  if (Buffer.byteLength(s, 'utf8') > maxBytes) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      `decode: ${field} is longer than ${maxBytes} bytes`,
    );
  }
  return s;
}

function chunkBytes(field: string, value: unknown): number {
  const n = uint(field, value, U32_MAX);
  if (n < MIN_FILE_CHUNK_BYTES || n > MAX_FILE_CHUNK_BYTES) {
    throw new ProtocolError(
      ProtocolCode.BadValue,
      `decode: ${field} must be ${MIN_FILE_CHUNK_BYTES} to ${MAX_FILE_CHUNK_BYTES}`,
    );
  }
  return n;
}

const fileSize = (field: string, value: unknown) => uint(field, value, MAX_FILE_BYTES);

// ---------------------------------------------------------------------------
// The offer

export function encodeFileOffer(o: FileOffer): pb.IFileOffer {
  return {
    transferId: o.transferId,
    name: o.name,
    size: o.size,
    sha256: o.sha256,
    chunkBytes: o.chunkBytes,
    mime: o.mime,
    fileKey: o.fileKey,
    noncePrefix: o.noncePrefix,
    entries: o.entries.map((e) => ({ path: e.path, size: e.size })),
    several: o.several,
  };
}

/** An offer as a sender built it; a folder's entry sizes must add up to the stream's. */
export function decodeFileOffer(field: string, m: pb.IFileOffer | null | undefined): FileOffer {
  if (!m) throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  const size = fileSize(`${field}.size`, m.size);
  const entries = count(`${field}.entries`, m.entries, MAX_FILE_ENTRIES).map(
    (e): FileEntry => ({
      path: rawText(`${field}.entries.path`, e.path, MAX_FILE_PATH_BYTES, true),
      size: fileSize(`${field}.entries.size`, e.size),
    }),
  );
  if (entries.length > 0 && entries.reduce((sum, e) => sum + e.size, 0) !== size) {
    throw new ProtocolError(
      ProtocolCode.BadValue,
      `decode: ${field}.entries do not add up to ${field}.size`,
    );
  }
  return {
    transferId: exactBytes(`${field}.transfer_id`, m.transferId, TRANSFER_ID_BYTES),
    name: rawText(`${field}.name`, m.name, MAX_FILE_NAME_BYTES, true),
    size,
    sha256: exactBytes(`${field}.sha256`, m.sha256, FILE_HASH_BYTES),
    chunkBytes: chunkBytes(`${field}.chunk_bytes`, m.chunkBytes),
    mime: text(`${field}.mime`, m.mime, MAX_FILE_MIME_CHARS),
    fileKey: exactBytes(`${field}.file_key`, m.fileKey, FILE_KEY_BYTES),
    noncePrefix: exactBytes(`${field}.nonce_prefix`, m.noncePrefix, FILE_NONCE_PREFIX_BYTES),
    entries,
    // Only a folder's entries can be several items; on one file it would mean nothing.
    several: m.several === true && entries.length > 0,
  };
}

/** The Inner content table's entry (inner.ts). */
export const fileOfferContent = {
  field: 'fileOffer' as const,
  encode: (c: { offer: FileOffer }) => encodeFileOffer(c.offer),
  decode: (m: pb.IFileOffer | null | undefined) => ({
    kind: 'file-offer' as const,
    offer: decodeFileOffer('inner.file_offer', m),
  }),
};

/** The Inner content table's entry for a recipient's answer to an offer (inner.ts). */
export const fileReplyContent = {
  field: 'fileReply' as const,
  encode: (c: { transferId: Uint8Array; outcome: FileReplyOutcome }) => ({
    transferId: c.transferId,
    outcome: FILE_OUTCOME_TABLE.indexOf(c.outcome),
  }),
  decode: (m: pb.IFileReply | null | undefined) => {
    const outcome = enumValue('inner.file_reply.outcome', m?.outcome, FILE_OUTCOME_TABLE);
    if (outcome === 'cancelled') {
      throw new ProtocolError(
        ProtocolCode.BadValue,
        'decode: inner.file_reply.outcome is received or declined',
      );
    }
    return {
      kind: 'file-reply' as const,
      transferId: exactBytes('inner.file_reply.transfer_id', m?.transferId, TRANSFER_ID_BYTES),
      outcome,
    };
  },
};

// ---------------------------------------------------------------------------
// Frames: the entries frames.ts puts in its tables

function encodeRecipients(r: FileRecipients): pb.IFilePut {
  return 'to' in r ? { to: r.to } : { groupId: r.groupId };
}

function decodeRecipients(m: pb.IFilePut): FileRecipients {
  const hasGroup = (m.groupId?.length ?? 0) > 0;
  const to = count('file_put.to', m.to, MAX_FILE_RECIPIENTS);
  if (hasGroup === to.length > 0) {
    throw new ProtocolError(
      ProtocolCode.BadValue,
      'decode: file_put needs exactly one of to and group_id',
    );
  }
  if (hasGroup) return { groupId: exactBytes('file_put.group_id', m.groupId, GROUP_ID_BYTES) };
  return { to: to.map((id) => exactBytes('file_put.to', id, KEY_BYTES)) };
}

export const fileEncoders = {
  'file-put': (f: FrameOf<'file-put'>): pb.Frame.$Properties => ({
    filePut: {
      requestId: f.requestId,
      transferId: f.transferId,
      size: f.size,
      chunkBytes: f.chunkBytes,
      ...encodeRecipients(f.recipients),
    },
  }),
  'file-put-result': (f: FrameOf<'file-put-result'>): pb.Frame.$Properties => ({
    filePutResult: {
      requestId: f.requestId,
      code: f.code,
      reason: f.reason,
      haveChunks: f.haveChunks,
      leftOut: f.leftOut,
    },
  }),
  'file-chunk': (f: FrameOf<'file-chunk'>): pb.Frame.$Properties => ({
    fileChunk: { transferId: f.transferId, index: f.index, data: f.data },
  }),
  'file-chunk-ack': (f: FrameOf<'file-chunk-ack'>): pb.Frame.$Properties => ({
    fileChunkAck: { transferId: f.transferId, through: f.through, code: f.code, reason: f.reason },
  }),
  'file-get': (f: FrameOf<'file-get'>): pb.Frame.$Properties => ({
    fileGet: { requestId: f.requestId, transferId: f.transferId, fromIndex: f.fromIndex },
  }),
  'file-get-result': (f: FrameOf<'file-get-result'>): pb.Frame.$Properties => ({
    fileGetResult: {
      requestId: f.requestId,
      code: f.code,
      reason: f.reason,
      size: f.size,
      chunkBytes: f.chunkBytes,
      haveChunks: f.haveChunks,
      from: f.from,
    },
  }),
  'file-done': (f: FrameOf<'file-done'>): pb.Frame.$Properties => ({
    fileDone: { transferId: f.transferId, outcome: FILE_OUTCOME_TABLE.indexOf(f.outcome) },
  }),
  'file-policy': (f: FrameOf<'file-policy'>): pb.Frame.$Properties => ({
    filePolicy: { maxIncomingBytes: f.maxIncomingBytes },
  }),
};

const transferId = (field: string, value: unknown) => exactBytes(field, value, TRANSFER_ID_BYTES);

/** A chunk index: a file has at most MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES chunks. */
const chunkIndex = (field: string, value: unknown) =>
  uint(field, value, MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES);

export const fileDecoders = {
  filePut: (m: pb.IFilePut): FrameOf<'file-put'> => ({
    type: 'file-put',
    requestId: uint('file_put.request_id', m.requestId, U32_MAX),
    transferId: transferId('file_put.transfer_id', m.transferId),
    size: fileSize('file_put.size', m.size),
    chunkBytes: chunkBytes('file_put.chunk_bytes', m.chunkBytes),
    recipients: decodeRecipients(m),
  }),
  filePutResult: (m: pb.IFilePutResult): FrameOf<'file-put-result'> => ({
    type: 'file-put-result',
    requestId: uint('file_put_result.request_id', m.requestId, U32_MAX),
    code: text('file_put_result.code', m.code, MAX_FILE_CODE_CHARS),
    reason: text('file_put_result.reason', m.reason, MAX_REASON_CHARS),
    haveChunks: chunkIndex('file_put_result.have_chunks', m.haveChunks),
    leftOut: count('file_put_result.left_out', m.leftOut, MAX_FILE_RECIPIENTS).map((id) =>
      exactBytes('file_put_result.left_out', id, KEY_BYTES),
    ),
  }),
  fileChunk: (m: pb.IFileChunk): FrameOf<'file-chunk'> => ({
    type: 'file-chunk',
    transferId: transferId('file_chunk.transfer_id', m.transferId),
    index: chunkIndex('file_chunk.index', m.index),
    data: boundedBytes('file_chunk.data', m.data, CHUNK_TAG_BYTES, MAX_FILE_CHUNK_DATA_BYTES),
  }),
  fileChunkAck: (m: pb.IFileChunkAck): FrameOf<'file-chunk-ack'> => ({
    type: 'file-chunk-ack',
    transferId: transferId('file_chunk_ack.transfer_id', m.transferId),
    through: chunkIndex('file_chunk_ack.through', m.through),
    code: text('file_chunk_ack.code', m.code, MAX_FILE_CODE_CHARS),
    reason: text('file_chunk_ack.reason', m.reason, MAX_REASON_CHARS),
  }),
  fileGet: (m: pb.IFileGet): FrameOf<'file-get'> => ({
    type: 'file-get',
    requestId: uint('file_get.request_id', m.requestId, U32_MAX),
    transferId: transferId('file_get.transfer_id', m.transferId),
    fromIndex: chunkIndex('file_get.from_index', m.fromIndex),
  }),
  fileGetResult: (m: pb.IFileGetResult): FrameOf<'file-get-result'> => {
    const code = text('file_get_result.code', m.code, MAX_FILE_CODE_CHARS);
    return {
      type: 'file-get-result',
      requestId: uint('file_get_result.request_id', m.requestId, U32_MAX),
      code,
      reason: text('file_get_result.reason', m.reason, MAX_REASON_CHARS),
      size: fileSize('file_get_result.size', m.size),
      chunkBytes: code === '' ? chunkBytes('file_get_result.chunk_bytes', m.chunkBytes) : 0,
      haveChunks: chunkIndex('file_get_result.have_chunks', m.haveChunks),
      from: code === '' ? exactBytes('file_get_result.from', m.from, KEY_BYTES) : new Uint8Array(0),
    };
  },
  fileDone: (m: pb.IFileDone): FrameOf<'file-done'> => ({
    type: 'file-done',
    transferId: transferId('file_done.transfer_id', m.transferId),
    outcome: enumValue('file_done.outcome', m.outcome, FILE_OUTCOME_TABLE),
  }),
  filePolicy: (m: pb.IFilePolicy): FrameOf<'file-policy'> => ({
    type: 'file-policy',
    maxIncomingBytes: fileSize('file_policy.max_incoming_bytes', m.maxIncomingBytes),
  }),
};

/** An offer as stored bytes (the client's profile keeps offers until accepted or declined). */
export function encodeFileOfferRecord(o: FileOffer): Uint8Array {
  return pb.FileOffer.encode(encodeFileOffer(o)).finish();
}

export function decodeFileOfferRecord(bytes: Uint8Array): FileOffer {
  return decodeFileOffer('file offer', parse('file offer', pb.FileOffer.decode, bytes));
}
