/**
 * The link's frame writer. Two jobs:
 * - coalescing: every frame produced in one event-loop turn goes out in one
 *   write (TickBatcher; DESIGN.md §4: group fan-out went from about 0.2 M to
 *   1.6-2.4 M deliveries/s with that alone);
 * - backpressure: when socket.write() returns false, writing stops and frames
 *   stay queued here until the socket's 'drain' (issue 9: a chunked upload must
 *   not pile a file into memory). Callers see it through `writable`, the
 *   'drain' event and `whenWritable()`; one that ignores them meets the hard
 *   bound, MAX_LINK_QUEUED_BYTES, as E_LINK_FULL.
 * A file chunk arrives already framed (writeFramed: sealed in place in a frame laid out by
 * codec/chunk.ts) and goes out as it is, counted like any other frame.
 */
import type { Duplex } from 'node:stream';
import { TypedEmitter } from '../../util/emitter.js';
import { TickBatcher } from '../../util/tick-batcher.js';
import { encodeFrame } from '../../wire/codec.js';
import { frame as lengthPrefix } from '../../wire/framing.js';
import { MAX_FRAME_BYTES } from '../../wire/limits.js';
import type { Frame } from '../../wire/types.js';
import { LinkCode, linkError } from './errors.js';

/**
 * Above this many queued bytes the link reports itself full (`writable` false):
 * one largest frame, so an uploader always has its next chunk accepted and never
 * holds more than about one chunk beyond what the socket took.
 */
export const LINK_HIGH_WATER_BYTES = MAX_FRAME_BYTES;

/**
 * Hard bound on queued bytes: 16 largest frames. Far above the high-water mark,
 * so small control frames (acks, lookups, pongs) still fit behind a full link;
 * a caller that ignores `writable` is stopped here with E_LINK_FULL.
 */
export const MAX_LINK_QUEUED_BYTES = 16 * MAX_FRAME_BYTES;

/**
 * Bytes handed to the socket per write(): more than a turn's worth of ordinary
 * traffic (so that stays one write), while a backlog is handed over in pieces
 * and writing stops where the socket says so.
 */
export const WRITE_SLICE_BYTES = 64 * 1024;

export interface FrameWriterOptions {
  /** Default LINK_HIGH_WATER_BYTES. */
  highWaterBytes?: number;
  /** Default MAX_LINK_QUEUED_BYTES. */
  maxQueuedBytes?: number;
}

export interface FrameWriterEvents {
  /** The writer was full and is writable again. */
  drain: undefined;
}

export class FrameWriter extends TypedEmitter<FrameWriterEvents> {
  private readonly batch = new TickBatcher<Buffer>((frames) => this.enqueue(frames));
  /** Encoded frames past their turn, in order, waiting for the socket to take them. */
  private pending: Buffer[] = [];
  private queued = 0;
  /** socket.write() returned false: nothing more until its 'drain'. */
  private blocked = false;
  /** `writable` was false since the last 'drain' event. */
  private full = false;
  /** end() was called: no new frames; the socket ends once the queue is out. */
  private ending = false;
  private ended = false;
  private closed = false;
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly highWaterBytes: number;
  private readonly maxQueuedBytes: number;

  constructor(
    private readonly socket: Duplex,
    options: FrameWriterOptions = {},
  ) {
    super();
    this.highWaterBytes = options.highWaterBytes ?? LINK_HIGH_WATER_BYTES;
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_LINK_QUEUED_BYTES;
    socket.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  /** Bytes accepted by write() and not yet handed to the socket. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** False while the socket pushes back or the queue is over its high-water mark. */
  get writable(): boolean {
    return !this.closed && !this.blocked && this.queued < this.highWaterBytes;
  }

  /**
   * Queues a frame for this turn's write. Throws E_LINK_FULL, queueing nothing,
   * when it would take the queue past its bound. Frames after close() are
   * dropped: their socket is gone.
   */
  write(frame: Frame): void {
    if (this.closed || this.ending) return;
    this.writeFramed(lengthPrefix(encodeFrame(frame)));
  }

  /**
   * write() for a frame encoded already, length prefix included (a FileChunk from
   * chunkFrame): queued as it is, never copied or re-encoded, with the same bound and
   * backpressure. The caller hands `bytes` over and must not change them afterwards.
   */
  writeFramed(bytes: Buffer): void {
    if (this.closed || this.ending) return;
    if (this.queued + bytes.length > this.maxQueuedBytes) {
      throw linkError(
        LinkCode.LinkFull,
        `link: ${this.queued} bytes already wait for the relay (bound ${this.maxQueuedBytes}); wait for whenWritable() before writing more`,
      );
    }
    this.queued += bytes.length;
    if (!this.writable) this.full = true;
    this.batch.push(bytes);
  }

  /** Resolves when writable (at once if it is); rejects with E_OFFLINE if the link closes first. */
  whenWritable(): Promise<void> {
    if (this.closed) return Promise.reject(this.offline());
    if (this.writable) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Hands this turn's frames over now instead of at the end of the turn. */
  flush(): void {
    this.batch.flushNow();
  }

  /** Writes everything queued, as the socket takes it, then ends the socket. */
  end(): void {
    if (this.closed || this.ending) return;
    this.flush();
    this.ending = true;
    this.pump();
  }

  /** The socket is gone: forget the queue and fail whoever waits. Safe to repeat. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batch.clear();
    this.pending = [];
    this.queued = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(this.offline());
  }

  private enqueue(frames: Buffer[]): void {
    if (this.closed) return;
    for (const f of frames) this.pending.push(f);
    this.pump();
  }

  /** Hands pending frames to the socket, a slice per write, until it pushes back. */
  private pump(): void {
    if (this.closed || this.ended) return;
    let taken = 0;
    while (taken < this.pending.length && !this.blocked) {
      const start = taken;
      let bytes = 0;
      do {
        bytes += this.pending[taken]!.length;
        taken++;
      } while (
        taken < this.pending.length &&
        bytes + this.pending[taken]!.length <= WRITE_SLICE_BYTES
      );
      const slice = this.pending.slice(start, taken);
      this.queued -= bytes;
      if (this.socket.destroyed) break;
      if (!this.socket.write(slice.length === 1 ? slice[0]! : Buffer.concat(slice, bytes))) {
        this.blocked = true;
      }
    }
    this.pending = taken === this.pending.length ? [] : this.pending.slice(taken);
    if (this.ending && this.pending.length === 0) {
      this.ended = true;
      this.socket.end();
      return;
    }
    if (this.full && this.writable) {
      this.full = false;
      this.announceWritable();
    } else if (!this.writable) {
      this.full = true;
    }
  }

  private announceWritable(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    this.emit('drain', undefined);
  }

  private offline(): Error {
    return linkError(LinkCode.Offline, 'link: the connection to the relay closed');
  }
}
