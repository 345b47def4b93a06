/**
 * When a session reads its socket (issue 8). Reading stops while too many
 * sends await their durable ack (its share of the relay's: inflight.ts), while
 * the queued output is over the soft budget, or while a rated frame waits for
 * its token (dispatch.ts rate classes), or while a file upload's chunks wait
 * for disk past fileUploadPendingBytes; it resumes below half of every limit
 * once no token is awaited.
 * Paused over the output budget for slowConsumerTimeoutMs: the session is
 * closed (E_SLOW_CONSUMER). The gate owns these counters and timers; the
 * connection's inbound side (inbound.ts) owns the socket's reading and the
 * frames held meanwhile.
 */
import type { Clock, Timer } from '../util/clock.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { RateClass } from './dispatch.js';
import { SessionCode, type SessionCodeValue } from './errors.js';
import type { InflightShares } from './inflight.js';
import type { RelayLimits } from './limits.js';

/** What the gate needs of its session. */
export interface GatedReader {
  /** Bytes queued for the connection now, and the soft budget they are held to. */
  readonly bufferedBytes: number;
  readonly softBudget: number;
  /** File chunk bytes waiting for disk (files/session-files.ts), held to fileUploadPendingBytes. */
  readonly fileUploadBytes: number;
  readonly closing: boolean;
  /** Stop reading the socket. */
  pauseReading(): void;
  /** Reading may go on: hand over the frames held, then read the socket again. */
  resumeReading(): void;
  fail(code: SessionCodeValue, message: string): void;
}

export class ReadGate {
  private paused_ = false;
  private inflightSends = 0;
  private rateTimer: Timer | null = null;
  private slowTimer: Timer | null = null;
  private readonly buckets: Record<RateClass, TokenBucket>;

  constructor(
    private readonly reader: GatedReader,
    private readonly limits: RelayLimits,
    private readonly clock: Clock,
    /** The relay-wide share of sends in flight this session may have (inflight.ts). */
    private readonly inflight: InflightShares,
  ) {
    const now = clock.now();
    this.buckets = {
      handshake: new TokenBucket(limits.handshakeFramesPerSecond, limits.handshakeFramesBurst, now),
      request: new TokenBucket(limits.requestsPerSecond, limits.requestBurst, now),
    };
  }

  get paused(): boolean {
    return this.paused_;
  }

  /** Takes a token of `rate`; without one, reading stops until one is due. */
  takeToken(rate: RateClass): boolean {
    const now = this.clock.now();
    const bucket = this.buckets[rate];
    if (bucket.take(now)) return true;
    this.rateTimer ??= this.clock.setTimeout(
      () => {
        this.rateTimer = null;
        this.update();
      },
      Math.max(1, bucket.msUntilToken(now)),
    );
    this.update();
    return false;
  }

  /** A Send awaits its durable ack. */
  sendStarted(): void {
    if (this.inflightSends++ === 0) this.inflight.started();
    if (!this.paused_ && this.inflightSends >= this.inflight.limit) this.update();
  }

  /** Called once for every sendStarted, also after the session closed. */
  sendFinished(): void {
    if (--this.inflightSends === 0) this.inflight.finished();
    if (this.paused_) this.update();
  }

  /** Re-evaluates after output grew or drained. */
  update(): void {
    const r = this.reader;
    if (r.closing) return;
    const maxInflight = this.inflight.limit;
    const outputFull = r.bufferedBytes >= r.softBudget;
    const maxFileBytes = this.limits.fileUploadPendingBytes;
    if (!this.paused_) {
      if (
        !outputFull &&
        this.rateTimer === null &&
        this.inflightSends < maxInflight &&
        r.fileUploadBytes < maxFileBytes
      ) {
        return;
      }
      this.paused_ = true;
      r.pauseReading();
    } else if (
      this.rateTimer === null &&
      r.bufferedBytes < r.softBudget / 2 &&
      this.inflightSends < maxInflight / 2 &&
      r.fileUploadBytes < maxFileBytes / 2
    ) {
      this.paused_ = false;
      this.clearSlow();
      r.resumeReading();
      return;
    }
    if (outputFull && this.slowTimer === null) {
      this.slowTimer = this.clock.setTimeout(() => {
        this.slowTimer = null;
        if (this.paused_ && r.bufferedBytes >= r.softBudget / 2) {
          r.fail(SessionCode.SlowConsumer, 'session: the client stopped reading its replies');
        }
      }, this.limits.slowConsumerTimeoutMs);
    }
  }

  clear(): void {
    this.clearSlow();
    if (this.rateTimer) this.clock.clearTimeout(this.rateTimer);
    this.rateTimer = null;
  }

  private clearSlow(): void {
    if (this.slowTimer) this.clock.clearTimeout(this.slowTimer);
    this.slowTimer = null;
  }
}
