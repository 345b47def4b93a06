/**
 * One connection's outgoing bytes: frames queued in one event-loop turn leave
 * in one write (util/tick-batcher.ts; DESIGN.md §4), each byte copied once (the
 * bodies are queued as they are and copied, each after its length prefix, into the
 * turn's one buffer: no prefix or view is allocated per frame), and every queued byte
 * is counted, so budgets see what the connection holds.
 */
import type { Duplex } from 'node:stream';
import type { DelayedFlush, Flushable } from '../util/delayed-flush.js';
import { TickBatcher } from '../util/tick-batcher.js';
import { lengthPrefix, varintLength, writeVarint } from '../wire/framing.js';
import { type Frame, isKeptAck } from '../wire/types.js';

/**
 * A queued buffer at least this large is written as it is rather than copied into the
 * turn's one buffer: past a TLS record's 16 KiB the copy costs more than the extra entry
 * in a vectored write saves.
 */
export const OUTBOUND_JOIN_MAX_BYTES = 16 * 1024;

/**
 * Delayed frames a connection holds before they leave at the end of the turn anyway: a
 * client sending fast gets its acks in batches of this size at most, and never waits the
 * whole delay for them.
 */
export const OUTBOUND_DELAYED_MAX_FRAMES = 32;

/** Whether `frame` may wait for company (queueDelayed): a SendAck that is not a refusal. */
export function mayWait(frame: Frame): boolean {
  return frame.type === 'send-ack' && isKeptAck(frame.code);
}

/**
 * In a turn's queue, marks the next entry as framed already (queueFramed: shared, length
 * prefix included); every other entry is a frame body that gets its prefix when joined.
 */
const FRAMED = new Uint8Array(0);

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
function join(items: readonly Uint8Array[], from: number, to: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let off = 0;
  for (let i = from; i < to; i++) {
    let item = items[i]!;
    if (item === FRAMED) item = items[++i]!;
    else off = writeVarint(out, item.length, off);
    out.set(item, off);
    off += item.length;
  }
  return out;
}

/** Bytes an entry takes on the wire: a body with its prefix, a framed buffer as it is. */
function wireBytes(body: Uint8Array): number {
  return varintLength(body.length) + body.length;
}

export class Outbound implements Flushable {
  private queuedBytes = 0;
  /** Marked by `delayed` while this connection waits for its timer. */
  delayedWaiting = false;
  private readonly batch: TickBatcher<Uint8Array>;

  /**
   * `flushed` runs after each write (budgets, resuming reads and catch-up); `delayed`
   * holds frames queued with queueDelayed until company or its delay comes.
   */
  constructor(
    private readonly stream: Duplex,
    private readonly flushed: () => void,
    private readonly delayed: DelayedFlush | null = null,
  ) {
    this.batch = new TickBatcher((items) => this.write(items));
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.stream.writableLength;
  }

  /**
   * Queues an encoded frame body (never mutated after this); it leaves at the end of the
   * turn, or at once when the connection and the relay are quiet (`mayWriteNow`).
   */
  queue(body: Uint8Array): void {
    if (this.mayWriteNow(body)) {
      this.writeNow(body);
      return;
    }
    this.batch.push(body);
    this.queuedBytes += wireBytes(body);
  }

  /**
   * Whether `body` may leave at once rather than at the end of the turn: it is the first
   * frame for this connection in the turn (nothing queued, none written at once), nothing
   * is unsent in the stream, the frame is small and the relay is not busy. At light load a
   * turn rarely has a second frame for a connection, and waiting for the end of the turn
   * (the other sockets read in it) was all a delivery's wait; the rest of a turn's frames
   * share one write at its end, and while the relay is busy all of them do, as ever.
   */
  private mayWriteNow(body: Uint8Array): boolean {
    const delayed = this.delayed;
    return (
      delayed !== null &&
      !this.flushedOwed &&
      this.batch.size === 0 &&
      body.length < OUTBOUND_JOIN_MAX_BYTES &&
      this.stream.writableLength === 0 &&
      !this.stream.destroyed &&
      !delayed.busyNow
    );
  }

  /**
   * Writes one frame now; `flushed` (budgets, resuming reads, catch-up) still runs after
   * the turn, never from inside the caller (a mailbox enqueue pushing early).
   */
  private writeNow(body: Uint8Array): void {
    this.stream.write(join([body], 0, 1, wireBytes(body)));
    this.flushedOwed = true; // mayWriteNow: none was owed
    setImmediate(this.flushedSoon);
  }

  /** A write made at once whose `flushed` has not run yet. */
  private flushedOwed = false;
  private readonly flushedSoon = () => {
    if (!this.flushedOwed) return;
    this.flushedOwed = false;
    this.flushed();
  };

  /**
   * Queues a frame that may wait (a durable ack): while the relay is busy it leaves with
   * the next frame queued here, or within the delay of `delayed`, in queue order either
   * way; otherwise at the end of the turn, as any frame.
   */
  queueDelayed(body: Uint8Array): void {
    const delayed = this.delayed;
    if (delayed === null || !delayed.delaying) {
      this.queue(body);
      return;
    }
    this.batch.pushQuiet(body);
    this.queuedBytes += wireBytes(body);
    if (this.batch.flushScheduled) return;
    if (this.batch.size >= OUTBOUND_DELAYED_MAX_FRAMES) this.batch.flushSoon();
    else delayed.add(this);
  }

  /**
   * Queues a frame already framed (length prefix included), shared with other
   * connections and never mutated: a group item costs each session one queue entry.
   */
  queueFramed(framed: Buffer): void {
    this.batch.pushQuiet(FRAMED);
    this.batch.push(framed);
    this.queuedBytes += framed.length;
  }

  /** Writes what is queued now. */
  flush(): void {
    this.batch.flushNow();
  }

  /** Forgets what is queued (the socket closed). */
  clear(): void {
    this.batch.clear();
    this.queuedBytes = 0;
    this.flushedOwed = false;
  }

  private write(items: Uint8Array[]): void {
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (this.stream.destroyed) return;
    let bodies = 0;
    let large = false;
    for (let i = 0; i < items.length; i++) {
      let item = items[i]!;
      if (item === FRAMED) item = items[++i]!;
      else bodies++;
      if (item.length >= OUTBOUND_JOIN_MAX_BYTES) large = true;
    }
    if (large) this.writeRuns(items);
    else if (bodies > 0) this.stream.write(join(items, 0, items.length, bytes));
    else if (items.length === 2) this.stream.write(items[1]!);
    else this.stream.write(joinedFramed(items, bytes));
    this.flushedOwed = false; // this one covers a write made at once
    this.flushed();
  }

  /**
   * A turn that queued large frames (file chunks): those go to the stream as they are and
   * only the small frames between them are joined, all in one corked (vectored) write, so
   * a chunk is not copied into a fresh buffer of the whole turn (issue 12 bench: the copy
   * and its garbage).
   */
  private writeRuns(items: Uint8Array[]): void {
    const stream = this.stream;
    stream.cork();
    let from = 0;
    let runBytes = 0;
    for (let i = 0; i < items.length; i++) {
      const framed = items[i] === FRAMED;
      const at = framed ? i + 1 : i;
      const item = items[at]!;
      if (item.length < OUTBOUND_JOIN_MAX_BYTES) {
        runBytes += framed ? item.length : wireBytes(item);
        i = at;
        continue;
      }
      if (runBytes > 0) stream.write(join(items, from, i, runBytes));
      if (!framed) stream.write(lengthPrefix(item.length));
      stream.write(Buffer.from(item.buffer, item.byteOffset, item.length));
      i = at;
      from = i + 1;
      runBytes = 0;
    }
    if (runBytes > 0) stream.write(join(items, from, items.length, runBytes));
    stream.uncork();
  }
}
