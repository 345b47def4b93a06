/**
 * How a turn's queue of frames (outbound.ts) becomes socket writes: frame bodies
 * copied, each after its length prefix, into one buffer; frames already framed and
 * shared between connections (group items, roster frames) joined without a prefix,
 * and one joined buffer reused by every connection that queued the same shared
 * frames; frames past a TLS record's size written as they are.
 */
import type { Duplex } from 'node:stream';
import { lengthPrefix, varintLength, writeVarint } from '../wire/framing.js';
import { isAckMark, keptAckWireBytes, writeKeptAck } from './kept-acks.js';

/**
 * A queued buffer at least this large is written as it is rather than copied into the
 * turn's one buffer: past a TLS record's 16 KiB the copy costs more than the extra entry
 * in a vectored write saves.
 */
export const OUTBOUND_JOIN_MAX_BYTES = 16 * 1024;

/**
 * A turn larger than this leaves in pieces of about this size, each once the kernel
 * took the one before, the rest waiting as the queued buffers themselves: a newcomer's
 * roster (shared frames, roster-out.ts) or a catch-up costs a connection one piece of
 * TLS output at a time, not a private copy of all of it while its client reads.
 */
export const OUTBOUND_PIECE_BYTES = 64 * 1024;

/**
 * In a turn's queue, marks the next entry as framed already (queueFramed: shared, length
 * prefix included); every other entry is a frame body that gets its prefix when joined.
 */
export const FRAMED = new Uint8Array(0);

/** Bytes an entry takes on the wire: a body with its prefix, a framed buffer as it is. */
export function wireBytes(body: Uint8Array): number {
  return varintLength(body.length) + body.length;
}

/** Whether `item` marks the entry after it: framed already, or a kept ack's id (kept-acks.ts). */
export function isMark(item: Uint8Array): boolean {
  return item === FRAMED || isAckMark(item);
}

/** Bytes on the wire of the entry at `i` of a turn's queue (a mark and what follows it, or a body). */
export function entryBytes(items: readonly Uint8Array[], i: number): number {
  const item = items[i]!;
  if (item === FRAMED) return items[i + 1]!.length;
  return isAckMark(item) ? keptAckWireBytes(item) : wireBytes(item);
}

/**
 * The last turn's buffer joined for a connection from framed entries alone, and the queue
 * it was joined from. Group items are queued as shared buffers (queueFramed), so in a
 * busy group most members' connections queue the very same buffers in the same order in a
 * turn: they all write the one joined buffer instead of a copy each (issue 11 bench: the
 * copies were 7% of the relay's time at saturation, 100 members). Queued buffers are never
 * mutated, so the same buffers in the same order join to the same bytes. Holds one turn of
 * one connection.
 */
let lastItems: readonly Uint8Array[] = [];
let lastJoined: Buffer | null = null;

function joinedFramed(items: readonly Uint8Array[], bytes: number): Buffer {
  const last = lastItems;
  if (lastJoined !== null && last.length === items.length && lastJoined.length === bytes) {
    let same = true;
    for (let i = 0; i < items.length && same; i++) same = items[i] === last[i];
    if (same) return lastJoined;
  }
  lastItems = items;
  lastJoined = join(items, 0, items.length, bytes);
  return lastJoined;
}

/** Entries [from, to) of a turn's queue, `bytes` long with their prefixes, in one buffer. */
export function join(
  items: readonly Uint8Array[],
  from: number,
  to: number,
  bytes: number,
): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let off = 0;
  for (let i = from; i < to; i++) {
    let item = items[i]!;
    if (isAckMark(item)) {
      off = writeKeptAck(out, off, item, items[++i]!);
      continue;
    }
    if (item === FRAMED) item = items[++i]!;
    else off = writeVarint(out, item.length, off);
    out.set(item, off);
    off += item.length;
  }
  return out;
}

/**
 * Writes `items` (a turn's queue, `bytes` on the wire) to `stream`; `done`, if given,
 * runs once the last of it has been handed to the kernel (the stream's write callback).
 */
export function writeItems(
  stream: Duplex,
  items: readonly Uint8Array[],
  bytes: number,
  done?: () => void,
): void {
  let bodies = 0;
  let large = false;
  for (let i = 0; i < items.length; i++) {
    let item = items[i]!;
    if (item === FRAMED) item = items[++i]!;
    else {
      bodies++; // a body, or a kept ack (joined too: written from its id)
      if (isAckMark(item)) item = items[++i]!;
    }
    if (item.length >= OUTBOUND_JOIN_MAX_BYTES) large = true;
  }
  if (large) writeRuns(stream, items, done);
  else if (bodies > 0) stream.write(join(items, 0, items.length, bytes), done);
  else if (items.length === 2) stream.write(items[1]!, done);
  else stream.write(joinedFramed(items, bytes), done);
}

/**
 * A turn that queued large frames (file chunks): those go to the stream as they are and
 * only the small frames between them are joined, all in one corked (vectored) write, so
 * a chunk is not copied into a fresh buffer of the whole turn (issue 12 bench: the copy
 * and its garbage).
 */
function writeRuns(stream: Duplex, items: readonly Uint8Array[], done?: () => void): void {
  const writes: Uint8Array[] = [];
  let from = 0;
  let runBytes = 0;
  for (let i = 0; i < items.length; i++) {
    const framed = items[i] === FRAMED;
    const at = isMark(items[i]!) ? i + 1 : i;
    const item = items[at]!;
    if (item.length < OUTBOUND_JOIN_MAX_BYTES) {
      runBytes += entryBytes(items, i);
      i = at;
      continue;
    }
    if (runBytes > 0) writes.push(join(items, from, i, runBytes));
    if (!framed) writes.push(lengthPrefix(item.length));
    writes.push(Buffer.from(item.buffer, item.byteOffset, item.length));
    i = at;
    from = i + 1;
    runBytes = 0;
  }
  if (runBytes > 0) writes.push(join(items, from, items.length, runBytes));
  stream.cork();
  for (let i = 0; i < writes.length; i++) {
    stream.write(writes[i]!, i === writes.length - 1 ? done : undefined);
  }
  stream.uncork();
}
