/**
 * Where a transfer's chunks sit in its blob (docs/files.md "Through the relay"): chunk i
 * at i × stride, stride = chunk_bytes + the 16-byte tag; every chunk is a full stride
 * except the last, which holds the rest of the file plus its tag (an empty file is one
 * chunk of 16 bytes). Pure arithmetic, shared by uploads, downloads and the start-up
 * truncation.
 */
import { FILE_CHUNK_TAG_BYTES, fileChunkCount } from '../../crypto/file-stream.js';

export class ChunkLayout {
  readonly stride: number;
  readonly count: number;
  /** Bytes of the whole blob once every chunk is stored. */
  readonly totalBytes: number;

  constructor(
    readonly size: number,
    readonly chunkBytes: number,
  ) {
    this.stride = chunkBytes + FILE_CHUNK_TAG_BYTES;
    this.count = fileChunkCount(size, chunkBytes);
    this.totalBytes = size + this.count * FILE_CHUNK_TAG_BYTES;
  }

  /** The sealed length of chunk `index`, or -1 past the last chunk. */
  chunkLength(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) return -1;
    if (index < this.count - 1) return this.stride;
    return this.size - index * this.chunkBytes + FILE_CHUNK_TAG_BYTES;
  }

  /** Blob offset where chunk `index` starts (`count` gives the blob's full length). */
  offset(index: number): number {
    return Math.min(index * this.stride, this.totalBytes);
  }
}
