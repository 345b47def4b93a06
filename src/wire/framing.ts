/**
 * Length-prefixed framing: every frame is a protobuf varint length followed by
 * that many bytes. Pure: bytes in, frames out; sockets feed it.
 *
 * The decoded length is checked against the current limit while the varint is
 * still being read, before any body byte is buffered (DESIGN.md §4), so a peer
 * claiming a 4 GiB frame costs us five bytes.
 */
import { ProtocolCode, ProtocolError } from './errors.js';

/** A varint of a 32-bit length takes at most 5 bytes. */
const MAX_VARINT_BYTES = 5;

export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** The length prefix alone: varint(length). */
export function lengthPrefix(length: number): Buffer {
  const out = Buffer.allocUnsafe(varintLength(length));
  writeVarint(out, length, 0);
  return out;
}

/** One framed buffer: varint(length) || payload. */
export function frame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const out = Buffer.allocUnsafe(varintLength(n) + n);
  out.set(payload, writeVarint(out, n, 0));
  return out;
}

/** Writes `n` (any safe integer >= 0) as a varint at `at` in `out`; returns the offset after it. */
export function writeVarint(out: Uint8Array, n: number, at: number): number {
  let off = at;
  let v = n;
  while (v >= 0x80) {
    out[off++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[off++] = v;
  return off;
}

/**
 * Where the varint the last `varintAt` read ended: its second result, kept here rather
 * than in a [value, end] pair, which the relay's per-message readers (codec/hot.ts)
 * allocated for every varint (5% of all it allocated at saturation, 50 clients).
 */
export let varintEnd = 0;

/** The varint at `at` (before `end`), its end in `varintEnd`; -1 if none or past 2^53. */
export function varintAt(b: Uint8Array, at: number, end: number): number {
  let n = 0;
  let mul = 1;
  for (let i = at; i < end && i < at + 8; i++) {
    const x = b[i]!;
    n += (x & 0x7f) * mul;
    if (x < 0x80) {
      if (!Number.isSafeInteger(n)) return -1;
      varintEnd = i + 1;
      return n;
    }
    mul *= 128;
  }
  return -1;
}

/** Reads a varint at `at`; returns [value, next offset], or null past `end` or 2^53. */
export function readVarint(b: Uint8Array, at: number, end: number): [number, number] | null {
  const n = varintAt(b, at, end);
  return n < 0 ? null : [n, varintEnd];
}

/**
 * What a decoder keeps of a chunk while a frame is incomplete: a copy when the
 * chunk is a small view of a larger buffer, so a peer trickling a frame a few
 * bytes per read does not pin a whole read buffer per byte (issue 8, finding 5).
 */
function retained(chunk: Buffer): Buffer {
  return chunk.length * 2 < chunk.buffer.byteLength ? Buffer.from(chunk) : chunk;
}

export class FrameDecoder {
  private maxFrameBytes: number;
  /** Bytes received but not yet returned as whole frames. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total bytes (header + body) the frame at the head of `pending` needs; -1 if unknown. */
  private need = -1;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Raise or lower the limit (login lifts it); applies to frames not yet started. */
  setMaxFrameBytes(n: number): void {
    this.maxFrameBytes = n;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feed received bytes; returns the frames completed by them, as views of buffers
   * that this decoder never writes to or reuses, so a view stays valid for as long as
   * it is held (a FileChunk's data is decoded as a view: codec/chunk.ts). Holding one
   * keeps its whole buffer alive: decode at once, keep only what is needed. Throws
   * ProtocolError.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    let buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.pendingBytes > 0) {
      if (this.need >= 0 && this.pendingBytes + buf.length < this.need) {
        this.pending.push(retained(buf));
        this.pendingBytes += buf.length;
        return [];
      }
      this.pending.push(buf);
      buf = Buffer.concat(this.pending, this.pendingBytes + buf.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.need = -1;
    const frames: Uint8Array[] = [];
    let off = 0;
    while (off < buf.length) {
      let len = 0;
      let mul = 1;
      let i = off;
      let complete = false;
      while (i < buf.length) {
        const b = buf[i++]!;
        len += (b & 0x7f) * mul;
        if (len > this.maxFrameBytes) {
          throw new ProtocolError(
            ProtocolCode.FrameTooLarge,
            `framing: frame of at least ${len} bytes exceeds the limit of ${this.maxFrameBytes}`,
          );
        }
        if (b < 0x80) {
          complete = true;
          break;
        }
        mul *= 128;
        if (i - off >= MAX_VARINT_BYTES) {
          throw new ProtocolError(ProtocolCode.BadVarint, 'framing: length prefix is too long');
        }
      }
      if (!complete) break;
      if (buf.length - i < len) {
        this.need = i - off + len;
        break;
      }
      frames.push(buf.subarray(i, i + len));
      off = i + len;
    }
    if (off < buf.length) {
      const rest = retained(buf.subarray(off));
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}
