/**
 * Files as a relay test drives them: a random plaintext sealed chunk by chunk with
 * src/crypto/file-stream.ts (as the real sender does), and the frames that carry it.
 */

import {
  fileChunkCount,
  MIN_FILE_CHUNK_BYTES,
  newFileKey,
  sealChunk,
} from '../../src/crypto/file-stream.js';
import { randomBytes } from '../../src/crypto/random.js';
import type { FileRecipients, FrameOf } from '../../src/wire/types.js';
import type { RawClient } from './raw-client.js';

export interface TestFile {
  transferId: Uint8Array;
  size: number;
  chunkBytes: number;
  /** Sealed chunks, as the relay stores and serves them. */
  chunks: Uint8Array[];
}

/** A random file of `size` bytes in chunks of `chunkBytes`, sealed under a fresh key. */
export function makeFile(size: number, chunkBytes = MIN_FILE_CHUNK_BYTES): TestFile {
  const plain = randomBytes(size);
  const { key, noncePrefix } = newFileKey();
  const count = fileChunkCount(size, chunkBytes);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = plain.subarray(i * chunkBytes, Math.min(size, (i + 1) * chunkBytes));
    chunks.push(sealChunk(key, noncePrefix, i, i === count - 1, part));
  }
  return { transferId: randomBytes(16), size, chunkBytes, chunks };
}

export function putFrame(
  file: TestFile,
  recipients: FileRecipients,
  requestId = 1,
): FrameOf<'file-put'> {
  return {
    type: 'file-put',
    requestId,
    transferId: file.transferId,
    size: file.size,
    chunkBytes: file.chunkBytes,
    recipients,
  };
}

export function chunkFrame(file: TestFile, index: number): FrameOf<'file-chunk'> {
  return { type: 'file-chunk', transferId: file.transferId, index, data: file.chunks[index]! };
}

export function getFrame(file: TestFile, fromIndex = 0, requestId = 1): FrameOf<'file-get'> {
  return { type: 'file-get', requestId, transferId: file.transferId, fromIndex };
}

export function ackFrame(file: TestFile, through: number): FrameOf<'file-chunk-ack'> {
  return { type: 'file-chunk-ack', transferId: file.transferId, through, code: '', reason: '' };
}

export function doneFrame(
  file: TestFile,
  outcome: FrameOf<'file-done'>['outcome'],
): FrameOf<'file-done'> {
  return { type: 'file-done', transferId: file.transferId, outcome };
}

const sameId = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Waits for the relay's FileChunkAck of `file` through `through` (every one on the way must be ''). */
export async function acksThrough(
  client: RawClient,
  file: TestFile,
  through: number,
  timeoutMs?: number,
): Promise<FrameOf<'file-chunk-ack'>> {
  for (;;) {
    const a = (await client.next(
      (x) => x.type === 'file-chunk-ack' && sameId(x.transferId, file.transferId),
      timeoutMs,
    )) as FrameOf<'file-chunk-ack'>;
    if (a.code !== '') throw new Error(`chunk refused: ${a.code} ${a.reason}`);
    if (a.through >= through) return a;
  }
}

/** Sends FileGet for `file` from chunk `from` and returns the FileGetResult. */
export async function fileGet(
  client: RawClient,
  file: TestFile,
  from: number,
  requestId: number,
): Promise<FrameOf<'file-get-result'>> {
  client.send(getFrame(file, from, requestId));
  const f = await client.next((x) => x.type === 'file-get-result' && x.requestId === requestId);
  return f as FrameOf<'file-get-result'>;
}

/** Sends FilePut for `file` to `to` and returns the FilePutResult. */
export async function filePut(
  client: RawClient,
  file: TestFile,
  to: FileRecipients,
  requestId: number,
): Promise<FrameOf<'file-put-result'>> {
  client.send(putFrame(file, to, requestId));
  const f = await client.next((x) => x.type === 'file-put-result' && x.requestId === requestId);
  return f as FrameOf<'file-put-result'>;
}

/** Sends chunks [from, to) of `file` and waits for the ack that covers them. */
export function uploadChunks(
  client: RawClient,
  file: TestFile,
  from = 0,
  to = file.chunks.length,
): Promise<FrameOf<'file-chunk-ack'>> {
  for (let i = from; i < to; i++) client.send(chunkFrame(file, i));
  return acksThrough(client, file, to);
}
