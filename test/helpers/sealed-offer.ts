/**
 * A file offer as a sender makes it and its sealed chunks, for the tests of the receiving
 * side (downloads, saving a folder whole): the data under a new file key, chunk by chunk.
 */
import { createHash } from 'node:crypto';
import { fileChunkCount, newFileKey, sealChunk } from '../../src/crypto/file-stream.js';
import { randomBytes } from '../../src/crypto/random.js';
import type { FileOffer, FrameOf } from '../../src/wire/types.js';

export function sealedOffer(
  data: Uint8Array,
  o: { name: string; chunkBytes: number; entries?: FileOffer['entries']; several?: boolean },
): { offer: FileOffer; chunks: FrameOf<'file-chunk'>[] } {
  const { key, noncePrefix } = newFileKey();
  const offer: FileOffer = {
    transferId: randomBytes(16),
    name: o.name,
    size: data.byteLength,
    sha256: new Uint8Array(createHash('sha256').update(data).digest()),
    chunkBytes: o.chunkBytes,
    mime: '',
    fileKey: key,
    noncePrefix,
    entries: o.entries ?? [],
    several: o.several ?? false,
  };
  const count = fileChunkCount(data.byteLength, o.chunkBytes);
  const chunks: FrameOf<'file-chunk'>[] = [];
  for (let i = 0; i < count; i++) {
    const plain = data.subarray(i * o.chunkBytes, (i + 1) * o.chunkBytes);
    const sealed = sealChunk(key, noncePrefix, i, i === count - 1, plain);
    chunks.push({ type: 'file-chunk', transferId: offer.transferId, index: i, data: sealed });
  }
  return { offer, chunks };
}
