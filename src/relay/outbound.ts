/**
 * One connection's outgoing bytes: frames queued in one event-loop turn leave
 * in one write (util/tick-batcher.ts; DESIGN.md §4), each byte copied once (the
 * bodies are queued as they are and copied, each after its length prefix, into the
 * turn's one buffer: no prefix or view is allocated per frame; outbound-writes.ts), a
 * turn over OUTBOUND_PIECE_BYTES in pieces as the kernel takes them, and every queued
 * byte is counted, so budgets see what the connection holds.
 */
import type { Duplex } from 'node:stream';
import type { DelayedFlush, Flushable } from '../util/delayed-flush.js';
import { TickBatcher } from '../util/tick-batcher.js';
import { encodeFrame } from '../wire/codec.js';
import {
  ackMark,
  type KeptAckCode,
  keptAckFits,
  keptAckWireBytes,
  OUTBOUND_DELAYED_MAX_FRAMES,
} from './kept-acks.js';
import {
  entryBytes,
  FRAMED,
  isMark,
  join,
  OUTBOUND_JOIN_MAX_BYTES,
  OUTBOUND_PIECE_BYTES,
  wireBytes,
  writeItems,
} from './outbound-writes.js';
import { RosterSpans } from './roster-spans.js';
import { WritesInFlight } from './writes-in-flight.js';

export { type KeptAckCode, mayWait, OUTBOUND_DELAYED_MAX_FRAMES } from './kept-acks.js';
export { OUTBOUND_JOIN_MAX_BYTES, OUTBOUND_PIECE_BYTES } from './outbound-writes.js';

export class Outbound implements Flushable {
  private queuedBytes = 0;
  /** Marked by `delayed` while this connection waits for its timer. */
  delayedWaiting = false;
  private readonly batch: TickBatcher<Uint8Array>;

  /**
   * `flushed` runs after each write (budgets, resuming reads and catch-up); `delayed`
   * holds kept acks queued with queueKeptAck until company or its delay comes.
   */
  constructor(
    private readonly stream: Duplex,
    private readonly flushed: () => void,
    private readonly delayed: DelayedFlush | null = null,
  ) {
    this.batch = new TickBatcher((items) => this.write(items));
    stream.on('drain', () => {
      if (this.restBytes > 0 && !this.writingPiece) this.writePiece();
    });
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.restBytes + this.stream.writableLength;
  }

  /** The writes handed to the stream and not completed yet, and the bytes handed and taken. */
  private readonly writes = new WritesInFlight();
  /**
   * A write left bytes in the stream below its high-water mark, so no 'drain' will say when
   * they leave: `flushed` runs when the last write completes. A catch-up stopped by its push
   * budget (maxSessionBufferedBytes) for those bytes alone waited for nothing otherwise.
   */
  private flushWhenTaken = false;

  /** After a write: whether the stream kept bytes that no 'drain' will announce. */
  private watchTaken(): void {
    if (this.stream.writableLength > 0 && !this.stream.writableNeedDrain) {
      this.flushWhenTaken = true;
    }
  }

  /** A write's callback: writes complete in order. */
  private readonly written = (): void => {
    if (!this.writes.completed() || !this.flushWhenTaken || this.stream.destroyed) return;
    this.flushWhenTaken = false;
    this.flushed();
  };
  /** Where roster frames lie in this connection's output. */
  private readonly roster = new RosterSpans();

  /**
   * Queues roster frames (a newcomer's roster, an update): shared by every session they are
   * queued for and kept by the relay anyway (roster-out.ts), counted apart (`rosterBytes`)
   * until the kernel took them.
   */
  queueRoster(frames: readonly Buffer[]): void {
    const start = this.writes.handed + this.queuedBytes + this.restBytes;
    for (const framed of frames) this.queueFramed(framed);
    this.roster.add(start, this.writes.handed + this.queuedBytes + this.restBytes);
  }

  /**
   * Bytes of roster frames not yet taken by the kernel (in bufferedBytes too): queued, or
   * in the stream. A roster update goes to every session in one turn, and the budgets are
   * told right after; counted until the kernel took it, it was a few thousand times its
   * size for a moment, and the relay shed sessions for it (docs/decisions.md).
   */
  get rosterBytes(): number {
    return this.roster.queued(this.writes.taken);
  }

  /** bufferedBytes but the roster's: what this connection holds of its own. */
  get ownBytes(): number {
    return this.bufferedBytes - this.rosterBytes;
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
   * is unsent in the stream or waiting for it, the frame is small and the relay is not
   * busy. At light load a turn rarely has a second frame for a connection, and waiting for
   * the end of the turn (the other sockets read in it) was all a delivery's wait; the rest
   * of a turn's frames share one write at its end, and while the relay is busy all of them
   * do, as ever.
   */
  private mayWriteNow(body: Uint8Array): boolean {
    const delayed = this.delayed;
    return (
      delayed !== null &&
      !this.flushedOwed &&
      this.batch.size === 0 &&
      this.restBytes === 0 &&
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
    const bytes = wireBytes(body);
    this.writes.handOff(bytes);
    this.stream.write(join([body], 0, 1, bytes), this.written);
    this.watchTaken();
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
   * Queues a kept SendAck (a durable ack: mayWait) that may wait: while the relay is busy
   * it leaves with the next frame queued here, or within the delay of `delayed`, in queue
   * order either way, queued as its id and written from it (kept-acks.ts); otherwise it
   * is encoded and leaves at the end of the turn, as any frame.
   */
  queueKeptAck(msgId: Uint8Array, code: KeptAckCode): void {
    const delayed = this.delayed;
    if (delayed === null || !delayed.delaying || !keptAckFits(msgId)) {
      this.queue(encodeFrame({ type: 'send-ack', msgId, code, reason: '' }));
      return;
    }
    const mark = ackMark(code);
    this.batch.pushQuiet(mark);
    this.batch.pushQuiet(msgId);
    this.queuedBytes += keptAckWireBytes(mark);
    if (this.batch.flushScheduled) return;
    if (this.batch.size >= 2 * OUTBOUND_DELAYED_MAX_FRAMES) this.batch.flushSoon();
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

  /** Writes what is queued now (a large turn: its first piece, the rest as the kernel takes it). */
  flush(): void {
    this.batch.flushNow();
  }

  /** Writes everything queued now, pieces still waiting included (the session is closing). */
  flushAll(): void {
    this.batch.flushNow();
    if (this.restBytes === 0 || this.stream.destroyed) return;
    const rest = this.rest.slice(this.restAt);
    const bytes = this.restBytes;
    this.dropRest();
    this.writes.handOff(bytes);
    writeItems(this.stream, rest, bytes, this.written);
  }

  /** Forgets what is queued (the socket closed). */
  clear(): void {
    this.batch.clear();
    this.queuedBytes = 0;
    this.flushedOwed = false;
    this.dropRest();
    this.roster.clear();
    this.writes.clear();
    this.flushWhenTaken = false;
  }

  /** Entries of large turns not written yet, from `restAt` on, in order, and their bytes. */
  private rest: Uint8Array[] = [];
  private restAt = 0;
  private restBytes = 0;
  /** A piece is being written: the next one waits for its callback. */
  private writingPiece = false;

  private dropRest(): void {
    this.rest = [];
    this.restAt = 0;
    this.restBytes = 0;
  }

  private write(items: Uint8Array[]): void {
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (this.stream.destroyed) {
      this.writes.dropped(bytes); // gone either way: nothing is held for it
      return;
    }
    // While the stream asks to wait (a client slower than its output), what comes waits here
    // as the queued buffers, shared ones shared, not as a copy in the stream for each turn.
    const wait = this.stream.writableNeedDrain;
    if (this.restBytes > 0 || bytes > OUTBOUND_PIECE_BYTES || wait) {
      for (const item of items) this.rest.push(item);
      this.restBytes += bytes;
      if (!this.writingPiece && !wait) this.writePiece();
    } else {
      this.writes.handOff(bytes);
      writeItems(this.stream, items, bytes, this.written);
      this.watchTaken();
    }
    this.flushedOwed = false; // this one covers a write made at once
    this.flushed();
  }

  /** The next piece of what waits: whole entries, OUTBOUND_PIECE_BYTES or just past it. */
  private writePiece(): void {
    const rest = this.rest;
    const from = this.restAt;
    let end = from;
    let bytes = 0;
    while (end < rest.length && bytes < OUTBOUND_PIECE_BYTES) {
      bytes += entryBytes(rest, end);
      end += isMark(rest[end]!) ? 2 : 1;
    }
    const piece = rest.slice(from, end);
    if (end === rest.length) this.dropRest();
    else {
      // What was written leaves the array once it is most of it: a connection that always
      // has pieces waiting (a long download) must not keep every buffer it ever sent.
      if (end * 2 > rest.length) {
        this.rest = rest.slice(end);
        this.restAt = 0;
      } else {
        this.restAt = end;
      }
      this.restBytes -= bytes;
    }
    this.writingPiece = true;
    this.writes.handOff(bytes);
    writeItems(this.stream, piece, bytes, this.pieceWritten);
  }

  private readonly pieceWritten = (): void => {
    if (this.writes.completed()) this.flushWhenTaken = false; // flushed below
    this.writingPiece = false;
    if (this.stream.destroyed) return;
    if (this.restBytes > 0) this.writePiece();
    this.flushed();
  };
}
