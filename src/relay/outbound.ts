/**
 * One connection's outgoing bytes: frames queued in one event-loop turn leave
 * in one write (util/tick-batcher.ts; DESIGN.md §4), each byte copied once (the
 * length prefix and the body are queued side by side), and every queued byte
 * is counted, so budgets see what the connection holds.
 */
import type { Duplex } from 'node:stream';
import type { DelayedFlush } from '../util/delayed-flush.js';
import { TickBatcher } from '../util/tick-batcher.js';
import { lengthPrefix } from '../wire/framing.js';
import { type Frame, isKeptAck } from '../wire/types.js';

/**
 * A queued buffer at least this large is written as it is rather than copied into the
 * turn's one buffer: past a TLS record's 16 KiB the copy costs more than the extra entry
 * in a vectored write saves.
 */
export const OUTBOUND_JOIN_MAX_BYTES = 16 * 1024;

const isLarge = (b: Buffer): boolean => b.byteLength >= OUTBOUND_JOIN_MAX_BYTES;

/**
 * Delayed frames (two queue entries each) a connection holds before they leave at the end
 * of the turn anyway: a client sending fast gets its acks in batches of this size at most,
 * and never waits the whole delay for them.
 */
export const OUTBOUND_DELAYED_MAX_FRAMES = 32;

/** Whether `frame` may wait for company (queueDelayed): a SendAck that is not a refusal. */
export function mayWait(frame: Frame): boolean {
  return frame.type === 'send-ack' && isKeptAck(frame.code);
}

/**
 * The last turn's buffer joined for a connection, and the queue it was joined from. Group
 * items are queued as shared buffers (queueFramed), so in a busy group most members'
 * connections queue the very same buffers in the same order in a turn: they all write the
 * one joined buffer instead of a copy each (issue 11 bench: the copies were 7% of the
 * relay's time at saturation, 100 members). Queued buffers are never mutated, so the same
 * buffers in the same order join to the same bytes. Holds one turn of one connection.
 */
let lastChunks: readonly Buffer[] = [];
let lastJoined: Buffer | null = null;

function joined(chunks: readonly Buffer[], bytes: number): Buffer {
  const last = lastChunks;
  if (lastJoined !== null && last.length === chunks.length && lastJoined.byteLength === bytes) {
    let same = true;
    for (let i = 0; i < chunks.length && same; i++) same = chunks[i] === last[i];
    if (same) return lastJoined;
  }
  lastChunks = chunks;
  lastJoined = Buffer.concat(chunks as Buffer[], bytes);
  return lastJoined;
}

export class Outbound {
  private queuedBytes = 0;
  private readonly batch: TickBatcher<Buffer>;

  /**
   * `flushed` runs after each write (budgets, resuming reads and catch-up); `delayed`
   * holds frames queued with queueDelayed until company or its delay comes.
   */
  constructor(
    private readonly stream: Duplex,
    private readonly flushed: () => void,
    private readonly delayed: DelayedFlush | null = null,
  ) {
    this.batch = new TickBatcher((chunks) => this.write(chunks));
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.stream.writableLength;
  }

  /** Queues an encoded frame body (never mutated after this); it leaves at the end of the turn. */
  queue(body: Uint8Array): void {
    const prefix = lengthPrefix(body.byteLength);
    this.batch.push(prefix);
    this.batch.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.queuedBytes += prefix.length + body.byteLength;
  }

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
    const prefix = lengthPrefix(body.byteLength);
    this.batch.pushQuiet(prefix);
    this.batch.pushQuiet(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.queuedBytes += prefix.length + body.byteLength;
    if (this.batch.flushScheduled) return;
    if (this.batch.size >= 2 * OUTBOUND_DELAYED_MAX_FRAMES) this.batch.flushSoon();
    else delayed.add(this);
  }

  /**
   * Queues a frame already framed (length prefix included), shared with other
   * connections and never mutated: a group item costs each session one queue entry.
   */
  queueFramed(framed: Buffer): void {
    this.batch.push(framed);
    this.queuedBytes += framed.byteLength;
  }

  /** Writes what is queued now. */
  flush(): void {
    this.batch.flushNow();
  }

  /** Forgets what is queued (the socket closed). */
  clear(): void {
    this.batch.clear();
    this.queuedBytes = 0;
  }

  private write(chunks: Buffer[]): void {
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (this.stream.destroyed) return;
    if (chunks.length === 1) this.stream.write(chunks[0]!);
    else if (!chunks.some(isLarge)) this.stream.write(joined(chunks, bytes));
    else this.writeRuns(chunks);
    this.flushed();
  }

  /**
   * A turn that queued large frames (file chunks): those go to the stream as they are and
   * only the small frames between them are joined, all in one corked (vectored) write, so
   * a chunk is not copied into a fresh buffer of the whole turn (issue 12 bench: the copy
   * and its garbage).
   */
  private writeRuns(chunks: Buffer[]): void {
    const stream = this.stream;
    stream.cork();
    let run: Buffer[] = [];
    let runBytes = 0;
    const endRun = () => {
      if (run.length === 0) return;
      stream.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    for (const c of chunks) {
      if (isLarge(c)) {
        endRun();
        stream.write(c);
      } else {
        run.push(c);
        runBytes += c.byteLength;
      }
    }
    endRun();
    stream.uncork();
  }
}
