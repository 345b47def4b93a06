/**
 * One client connection. Owns the state machine (DESIGN.md §4), the frame
 * decoder, coalesced writes, and the delivery cursor; takes any Duplex, so unit
 * tests can drive it through an in-memory pair. Hostile input ends this session
 * with a coded Error frame, never the relay.
 *
 * Every byte held for the connection has a budget (issue 8, findings 2 and 5):
 * - queued output: past the soft budget the session stops being read (frames
 *   already received wait, decoded, in `backlog`); if it stays there for
 *   slowConsumerTimeoutMs, or reaches the hard cap at all, it is closed with
 *   E_SLOW_CONSUMER. Mail pushes stop earlier (maxSessionBufferedBytes).
 * - a partial incoming frame: must complete within partialFrameTimeoutMs.
 * - all of it counts towards the relay-wide budget (budget.ts).
 * Rated frames (dispatch.ts) beyond their token bucket are held the same way:
 * the session stops reading until a token is due.
 */
import type { Duplex } from 'node:stream';
import type { Timer } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import { TokenBucket } from '../util/token-bucket.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { FrameDecoder, lengthPrefix } from '../wire/framing.js';
import { MAX_FRAME_BYTES, MAX_PRELOGIN_FRAME_BYTES } from '../wire/limits.js';
import type { Card, Frame, Status } from '../wire/types.js';
import type { RelayContext } from './context.js';
import { dispatch, type RateClass } from './dispatch.js';
import type { StoredMail } from './mailbox.js';

export type SessionState = 'hello' | 'challenge' | 'auth' | 'ready' | 'closing';

let nextSessionId = 1;

/** Past this multiple of the soft output budget a session is closed at once, paused or not. */
export const SLOW_CONSUMER_HARD_FACTOR = 4;
/** How long a closing session may take to read its last bytes before the socket is destroyed. */
export const CLOSE_LINGER_MS = 2_000;

export class Session {
  readonly id = nextSessionId++;
  state: SessionState = 'hello';
  /** Set by the Hello handler. */
  challenge: Uint8Array | null = null;
  /** Set on login. */
  card: Card | null = null;
  userHex = '';
  status: Status = 'online';
  statusText = '';
  readonly connectedAtMs: number;

  private readonly decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private inflightSends = 0;
  /** Not reading the socket: too many sends in flight, or too much output queued. */
  private paused = false;
  /** Frames received but not dispatched while paused (copies: the decoder reuses its views). */
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  private slowTimer: Timer | null = null;
  /** Set while a rated frame waits for its token; the timer ends the wait. */
  private rateTimer: Timer | null = null;
  private readonly buckets: Record<RateClass, TokenBucket>;
  /** When the partial frame now held began arriving; null when none is held. */
  private partialSinceMs: number | null = null;
  private partialTimer: Timer | null = null;
  private timer: object | null = null;
  private lastFrameAtMs: number;

  // Delivery: `cursor` is the highest seq pushed on this connection. While
  // `catchingUp`, pushes come from the store (pump) instead of the live path.
  private cursor = 0;
  private catchingUp = false;
  private pumping = false;
  private latestOffered = 0;

  constructor(
    private readonly stream: Duplex,
    readonly ctx: RelayContext,
    readonly remote: string,
  ) {
    this.connectedAtMs = ctx.clock.now();
    this.lastFrameAtMs = this.connectedAtMs;
    const { limits } = ctx;
    this.buckets = {
      handshake: new TokenBucket(
        limits.handshakeFramesPerSecond,
        limits.handshakeFramesBurst,
        this.connectedAtMs,
      ),
      request: new TokenBucket(limits.requestsPerSecond, limits.requestBurst, this.connectedAtMs),
    };
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => {
      this.account();
      this.updateReading();
      void this.pump();
    });
    stream.on('error', () => {
      // 'close' follows; a reset by the peer is not worth a log line.
    });
    stream.on('close', () => this.onClose());
    this.armTimer(ctx.limits.handshakeTimeoutMs, 'E_HANDSHAKE_TIMEOUT', 'handshake took too long');
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.outBytes + this.stream.writableLength;
  }

  /** Everything the relay holds for this connection: output, the partial frame, the backlog. */
  get heldBytes(): number {
    return this.bufferedBytes + this.decoder.bufferedBytes + this.backlogBytes;
  }

  /** Soft output budget for the current state: past it the session is not read. */
  private get softBudget(): number {
    const { limits } = this.ctx;
    return this.state === 'ready' ? limits.maxSessionQueuedBytes : limits.maxPreloginQueuedBytes;
  }

  send(frame: Frame): void {
    this.sendEncoded(encodeFrame(frame));
  }

  /**
   * Queues an encoded frame body; all frames of one turn go out in one write.
   * The prefix and the body are queued side by side (the body is never mutated
   * after encoding), so each byte is copied once, into the turn's single write.
   */
  sendEncoded(body: Uint8Array): void {
    if (this.state === 'closing') return;
    this.queue(lengthPrefix(body.byteLength), body);
    if (this.bufferedBytes > this.softBudget * SLOW_CONSUMER_HARD_FACTOR) {
      this.fail('E_SLOW_CONSUMER', 'session: the client does not read what it asked for');
    }
  }

  /** The one way bytes join the outgoing queue, so `outBytes` always counts them. */
  private queue(prefix: Buffer, body: Uint8Array): void {
    this.out.push(prefix, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.outBytes += prefix.length + body.byteLength;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Moves to `ready`: lifts the frame limit and starts delivering stored mail. */
  becomeReady(card: Card): void {
    this.state = 'ready';
    this.card = card;
    this.userHex = Buffer.from(card.userId).toString('hex');
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    this.armTimer(this.ctx.limits.idleTimeoutMs, 'E_IDLE_TIMEOUT', 'no frame for too long');
    this.catchingUp = true;
    void this.pump();
  }

  /** Live path: the hub offers each newly stored mail for this user. */
  offer(mail: StoredMail): void {
    if (this.state !== 'ready' || mail.seq <= this.cursor) return;
    if (this.catchingUp || this.bufferedBytes >= this.ctx.limits.maxSessionBufferedBytes) {
      // Slow reader: stop pushing; the mail is durable and the pump reads it back on drain.
      if (mail.seq > this.latestOffered) this.latestOffered = mail.seq;
      if (!this.catchingUp) this.catchingUp = true;
      return;
    }
    this.sendEncoded(mail.frame);
    this.cursor = mail.seq;
  }

  /**
   * Mail still being written (docs/decisions.md, "Deliver while storing"): pushed
   * only to a live session that is keeping up and has already been pushed the
   * recipient's previous mail (`prevSeq`), so nothing before it can be missing.
   * Anything else waits for `offer`, once the mail is durable; pushes stay in
   * seq order either way.
   */
  offerEarly(mail: StoredMail, prevSeq: number): void {
    if (this.state !== 'ready' || this.catchingUp || this.cursor !== prevSeq) return;
    if (this.bufferedBytes >= this.ctx.limits.maxSessionBufferedBytes) return;
    this.sendEncoded(mail.frame);
    this.cursor = mail.seq;
  }

  /**
   * For the dispatcher: takes a token of `rate`; when there is none, the session
   * stops reading until one is due and the caller holds the frame.
   */
  takeToken(rate: RateClass): boolean {
    const { clock } = this.ctx;
    const now = clock.now();
    const bucket = this.buckets[rate];
    if (bucket.take(now)) return true;
    if (this.rateTimer === null) {
      this.rateTimer = clock.setTimeout(
        () => {
          this.rateTimer = null;
          this.updateReading();
        },
        Math.max(1, bucket.msUntilToken(now)),
      );
    }
    return false;
  }

  /** Counts a Send awaiting its durable ack; stops reading the socket past the limit. */
  sendStarted(): void {
    this.inflightSends++;
    if (!this.paused && this.inflightSends >= this.ctx.limits.maxInflightSendsPerSession) {
      this.updateReading();
    }
  }

  sendFinished(): void {
    this.inflightSends--;
    if (this.paused) this.updateReading();
  }

  /** Ends the session with a coded Error frame (protocol fault or refusal), its last bytes. */
  fail(code: string, message: string): void {
    if (this.isClosing()) return;
    this.ctx.log.info('session closed on error', { session: this.id, code, remote: this.remote });
    const body = encodeFrame({ type: 'error', code, message: message.slice(0, 200) });
    this.queue(lengthPrefix(body.byteLength), body);
    this.close();
  }

  /** Ends the session cleanly: flush what is queued, then close. Idempotent. */
  close(goodbye?: string): void {
    if (this.isClosing()) return;
    if (goodbye !== undefined) {
      const body = encodeFrame({ type: 'goodbye', reason: goodbye });
      this.queue(lengthPrefix(body.byteLength), body);
    }
    this.state = 'closing';
    this.flush();
    this.clearTimers();
    this.ctx.budget.update(this, 0);
    this.backlog = [];
    this.backlogBytes = 0;
    this.stream.end();
    // A peer that never reads its last bytes must not hold the socket open.
    const t = setTimeout(() => this.stream.destroy(), CLOSE_LINGER_MS);
    t.unref();
  }

  /** A method, not a field read: handlers change `state` behind TypeScript's narrowing. */
  isClosing(): boolean {
    return this.state === 'closing';
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const { code, message } = describeError(err);
      this.fail(code, message);
      return;
    }
    const now = this.ctx.clock.now();
    if (frames.length > 0) this.lastFrameAtMs = now;
    this.trackPartial(frames.length > 0, now);
    this.dispatchAll(frames, false);
    this.account();
  }

  /** Dispatches frames in order; once the session pauses, the rest wait in the backlog. */
  private dispatchAll(frames: Uint8Array[], fromBacklog: boolean): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.isClosing()) return;
      const bytes = frames[i]!;
      if (this.paused) {
        const keep = fromBacklog ? frames.slice(i) : frames.slice(i).map((f) => Uint8Array.from(f));
        this.backlog = keep.concat(this.backlog);
        for (const f of keep) this.backlogBytes += f.byteLength;
        return;
      }
      let handled: boolean;
      try {
        handled = dispatch(this, decodeFrame(bytes));
      } catch (err) {
        const { code, message } = describeError(err);
        this.fail(code, message);
        return;
      }
      if (!handled) {
        // Out of tokens: this frame and the rest wait until the rate timer.
        this.updateReading();
        i--;
        continue;
      }
      if (this.bufferedBytes >= this.softBudget) this.updateReading();
    }
  }

  /**
   * Pauses or resumes reading. Paused while too many sends await their ack or
   * the queued output is over the soft budget; resumed below half of both, after
   * the backlog is dispatched. Paused over the output budget too long: closed.
   */
  private updateReading(): void {
    if (this.isClosing()) return;
    const { limits, clock } = this.ctx;
    const outputFull = this.bufferedBytes >= this.softBudget;
    if (!this.paused) {
      if (
        !outputFull &&
        this.rateTimer === null &&
        this.inflightSends < limits.maxInflightSendsPerSession
      ) {
        return;
      }
      this.paused = true;
      this.stream.pause();
    } else if (
      this.rateTimer !== null ||
      this.bufferedBytes >= this.softBudget / 2 ||
      this.inflightSends >= limits.maxInflightSendsPerSession / 2
    ) {
      // Still over: stay paused.
    } else {
      this.paused = false;
      if (this.slowTimer) clock.clearTimeout(this.slowTimer);
      this.slowTimer = null;
      const backlog = this.backlog;
      this.backlog = [];
      this.backlogBytes = 0;
      this.dispatchAll(backlog, true);
      if (!this.paused && !this.isClosing()) this.stream.resume();
      this.account();
      return;
    }
    if (outputFull && this.slowTimer === null) {
      this.slowTimer = clock.setTimeout(() => {
        this.slowTimer = null;
        if (this.paused && this.bufferedBytes >= this.softBudget / 2) {
          this.fail('E_SLOW_CONSUMER', 'session: the client stopped reading its replies');
        }
      }, limits.slowConsumerTimeoutMs);
    }
  }

  /**
   * Partial-frame deadline: a frame that has started arriving must finish within
   * partialFrameTimeoutMs (a 256 KiB frame takes milliseconds on a LAN), so a
   * trickling or stalled sender cannot hold a frame buffer for minutes.
   */
  private trackPartial(completed: boolean, now: number): void {
    if (this.decoder.bufferedBytes === 0) {
      this.partialSinceMs = null;
      return;
    }
    if (this.partialSinceMs === null || completed) this.partialSinceMs = now;
    if (this.partialTimer !== null) return;
    const { clock, limits } = this.ctx;
    const check = () => {
      this.partialTimer = null;
      if (this.isClosing() || this.partialSinceMs === null) return;
      const waited = clock.now() - this.partialSinceMs;
      if (waited >= limits.partialFrameTimeoutMs) {
        this.fail('E_FRAME_TIMEOUT', 'framing: a frame did not arrive in time');
        return;
      }
      this.partialTimer = clock.setTimeout(check, limits.partialFrameTimeoutMs - waited);
    };
    this.partialTimer = clock.setTimeout(check, limits.partialFrameTimeoutMs);
  }

  /** Reports what this session holds to the relay-wide budget. */
  private account(): void {
    this.ctx.budget.update(this, this.isClosing() ? 0 : this.heldBytes);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.stream.destroyed) return;
    const buf = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.stream.write(buf);
    if (this.isClosing()) return;
    this.account();
    // If the kernel took it all, no 'drain' will come: resume reading and a stalled catch-up here.
    if (this.paused) this.updateReading();
    if (this.catchingUp && !this.pumping && this.state === 'ready') void this.pump();
  }

  /** Catch-up: reads stored mail after the cursor until caught up or the socket is full. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { mailbox, limits } = this.ctx;
    try {
      while (this.state === 'ready' && this.catchingUp) {
        if (this.bufferedBytes >= limits.maxSessionBufferedBytes) return; // resumed by 'drain'
        const { mails, done } = await mailbox.read(
          this.userHex,
          this.cursor,
          limits.catchUpBatchMessages,
        );
        if (this.state !== 'ready') return;
        let full = false;
        for (const mail of mails) {
          if (mail.seq <= this.cursor) continue;
          if (this.bufferedBytes >= limits.maxSessionBufferedBytes) {
            full = true;
            break;
          }
          this.sendEncoded(mail.frame);
          this.cursor = mail.seq;
        }
        if (!full && done && this.cursor >= this.latestOffered) this.catchingUp = false;
      }
    } catch (err) {
      this.ctx.log.error('catch-up read failed', { session: this.id, ...describeError(err) });
      this.fail('E_INTERNAL', 'relay could not read stored mail');
    } finally {
      this.pumping = false;
    }
  }

  private armTimer(ms: number, code: string, message: string): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    const check = () => {
      if (this.state === 'closing') return;
      if (code === 'E_IDLE_TIMEOUT') {
        const idle = this.ctx.clock.now() - this.lastFrameAtMs;
        if (idle < ms) {
          this.timer = this.ctx.clock.setTimeout(check, ms - idle);
          return;
        }
      } else if (this.state === 'ready') {
        return;
      }
      this.fail(code, message);
    };
    this.timer = this.ctx.clock.setTimeout(check, ms);
  }

  private clearTimers(): void {
    const { clock } = this.ctx;
    for (const t of [this.timer, this.slowTimer, this.partialTimer, this.rateTimer]) {
      if (t) clock.clearTimeout(t);
    }
    this.rateTimer = null;
    this.timer = null;
    this.slowTimer = null;
    this.partialTimer = null;
  }

  private onClose(): void {
    this.clearTimers();
    this.state = 'closing';
    this.out = [];
    this.outBytes = 0;
    this.backlog = [];
    this.backlogBytes = 0;
    this.ctx.budget.update(this, 0);
    this.ctx.hub.remove(this);
  }
}
