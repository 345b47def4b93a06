/**
 * One connection's incoming side, the counterpart of outbound.ts: the frame decoder
 * and its partial frame, when the socket is read (the read gate, read-gate.ts), the
 * deadlines on what arrives (deadlines.ts), and the frames received but not yet
 * dispatched while the gate holds the session. The session owns the state machine
 * and the output; each decoded frame goes to its dispatcher (dispatch.ts) in order.
 *
 * What it holds has a budget (issue 8): a partial frame must complete within
 * partialFrameTimeoutMs, and rated frames beyond their token bucket stop the reading
 * until a token is due, the frames already received waiting in the backlog.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import { decodeFrame } from '../wire/codec.js';
import { FrameDecoder } from '../wire/framing.js';
import { MAX_FRAME_BYTES, MAX_PRELOGIN_FRAME_BYTES } from '../wire/limits.js';
import type { Frame } from '../wire/types.js';
import { Deadlines } from './deadlines.js';
import type { RateClass } from './dispatch.js';
import type { RelayWireCode } from './errors.js';
import type { InflightShares } from './inflight.js';
import type { RelayLimits } from './limits.js';
import { type GatedReader, ReadGate } from './read-gate.js';

/** What the incoming side needs of its session. */
export interface InboundLink {
  /** Bytes queued for the connection now, and the soft budget they are held to. */
  readonly bufferedBytes: number;
  readonly softBudget: number;
  /** File chunk bytes waiting for disk (files/session-files.ts). */
  readonly fileUploadBytes: number;
  isClosing(): boolean;
  /** What the connection holds may have changed: report it to the relay-wide budget. */
  account(): void;
  fail(code: RelayWireCode, message: string): void;
}

export class Inbound implements GatedReader {
  private readonly decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
  private readonly gate: ReadGate;
  private readonly clock: Clock;
  private readonly deadlines: Deadlines;
  /** Frames received but not dispatched while paused (copies: the decoder reuses its views). */
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;

  /**
   * Reads `stream` and pauses it (the session handles its other events). `handle` runs
   * one frame's handler (dispatch.ts) and returns false, without handling it, when it
   * waits for a token.
   */
  constructor(
    private readonly stream: Duplex,
    private readonly link: InboundLink,
    private readonly handle: (frame: Frame) => boolean,
    ctx: { limits: RelayLimits; clock: Clock; inflight: InflightShares },
  ) {
    const { limits, clock } = ctx;
    this.clock = clock;
    this.gate = new ReadGate(this, limits, clock, ctx.inflight);
    this.deadlines = new Deadlines(clock, limits, (code, message) => link.fail(code, message));
    stream.on('data', (chunk: Buffer) => this.read(chunk));
  }

  /** The partial frame and the frames held while paused. */
  get heldBytes(): number {
    return this.decoder.bufferedBytes + this.backlogBytes;
  }

  /** Login done: frames up to MAX_FRAME_BYTES, and the idle deadline instead of the handshake's. */
  ready(): void {
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    this.deadlines.ready();
  }

  /** For the dispatcher: a token of `rate`; without one, reading stops until it is due. */
  takeToken(rate: RateClass): boolean {
    return this.gate.takeToken(rate);
  }

  /** Counts a Send awaiting its durable ack; stops reading past the limit. */
  sendStarted(): void {
    this.gate.sendStarted();
  }

  sendFinished(): void {
    this.gate.sendFinished();
  }

  /** Re-evaluates whether to read: the output or the file bytes held changed. */
  update(): void {
    this.gate.update();
  }

  /** After a write or a drain: reading may resume if it was stopped. */
  written(): void {
    if (this.gate.paused) this.gate.update();
  }

  /** Stops the deadlines and the gate's timers. */
  clearTimers(): void {
    this.deadlines.clear();
    this.gate.clear();
  }

  /** Forgets the frames held (the session is closing). */
  clearBacklog(): void {
    this.backlog = [];
    this.backlogBytes = 0;
  }

  // The gate's reader (read-gate.ts).

  get bufferedBytes(): number {
    return this.link.bufferedBytes;
  }
  get softBudget(): number {
    return this.link.softBudget;
  }
  get fileUploadBytes(): number {
    return this.link.fileUploadBytes;
  }
  get closing(): boolean {
    return this.link.isClosing();
  }

  pauseReading(): void {
    this.stream.pause();
  }

  /** Dispatches the frames held while paused, then reads the socket again (unless paused anew). */
  resumeReading(): void {
    const backlog = this.backlog;
    this.clearBacklog();
    this.dispatchAll(backlog, true);
    if (!this.gate.paused && !this.link.isClosing()) this.stream.resume();
    this.link.account();
  }

  fail(code: RelayWireCode, message: string): void {
    this.link.fail(code, message);
  }

  /** Bytes from the socket: decodes them and dispatches the whole frames, in order. */
  private read(chunk: Buffer): void {
    if (this.link.isClosing()) return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const { code, message } = describeError(err);
      this.link.fail(code as RelayWireCode, message);
      return;
    }
    this.deadlines.received(frames.length, this.decoder.bufferedBytes, this.clock.now());
    this.dispatchAll(frames, false);
    this.link.account();
  }

  /** Dispatches frames in order; once the session pauses, the rest wait in the backlog. */
  private dispatchAll(frames: Uint8Array[], fromBacklog: boolean): void {
    const link = this.link;
    for (let i = 0; i < frames.length; i++) {
      if (link.isClosing()) return;
      if (this.gate.paused) {
        const rest = frames.slice(i);
        const keep = fromBacklog ? rest : rest.map((f) => Uint8Array.from(f));
        this.backlog = keep.concat(this.backlog);
        for (const f of keep) this.backlogBytes += f.length;
        return;
      }
      let handled: boolean;
      try {
        handled = this.handle(decodeFrame(frames[i]!));
      } catch (err) {
        const { code, message } = describeError(err);
        link.fail(code as RelayWireCode, message);
        return;
      }
      if (!handled) {
        // Out of tokens (the gate paused): this frame and the rest wait for the rate timer.
        i--;
        continue;
      }
      if (link.bufferedBytes >= link.softBudget) this.gate.update();
    }
  }
}
