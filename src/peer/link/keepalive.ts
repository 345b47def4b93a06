/**
 * Keepalive for a ready link: a Ping every interval keeps the relay's idle
 * timeout from firing, and silence (no frame at all) for too long means the
 * link is dead even if TCP has not noticed. Owns its timer and the time the
 * relay was last heard; the clock is injected.
 */
import type { Clock, Timer } from '../../util/clock.js';

/** Ping the relay this often when connected; also how we notice a silently dead link. */
export const PING_INTERVAL_MS = 30_000;
/**
 * No frame at all for this many ping intervals means the link is dead (two pings
 * unanswered, plus slack): drop it and reconnect. Stays well under the relay's
 * 120 s idle timeout, which our pings keep from firing.
 */
export const SILENCE_LIMIT_INTERVALS = 2.5;

/**
 * A frame sent (a Send, a Lookup: most are answered) with nothing heard for this long
 * brings a Ping at once, and nothing heard for as long again means the link is dead.
 * A relay cut off without a sound was noticed only by the pings above (75 s, and sends
 * waited it out: a new-user trial); a relay waiting on its store still answers Pings.
 */
export const ANSWER_WAIT_MS = 5_000;

export interface KeepaliveHooks {
  ping: (nonce: number) => void;
  /** Nothing heard for SILENCE_LIMIT_INTERVALS intervals. */
  silent: () => void;
}

export class Keepalive {
  private timer: Timer | null = null;
  /** Watches for an answer to what was sent (sent()). */
  private answerTimer: Timer | null = null;
  private running = false;
  private lastHeardMs = 0;
  /** Frames heard so far: what a Ping's wait compares (a clock's ms can hold both). */
  private heardCount = 0;
  /** Frames sent since the last one heard. */
  private sentSinceHeard = 0;
  private nonce = 0;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly hooks: KeepaliveHooks,
  ) {}

  /** The relay sent something. */
  heard(): void {
    this.lastHeardMs = this.clock.now();
    this.heardCount++;
    this.sentSinceHeard = 0;
  }

  /**
   * Something was sent. While frames sent have met no frame heard after them, every
   * ANSWER_WAIT_MS brings a Ping, and a Ping met by silence for ANSWER_WAIT_MS drops the
   * link: silence after a send is noticed within about 2 × ANSWER_WAIT_MS of it. (Watching
   * only the first send of a window missed a send made just after an answer: a trial.)
   */
  sent(): void {
    if (!this.running) return;
    this.sentSinceHeard++;
    if (this.answerTimer === null) this.watch();
  }

  private watch(): void {
    this.answerTimer = this.clock.setTimeout(() => {
      this.answerTimer = null;
      if (this.sentSinceHeard === 0) return;
      const since = this.heardCount;
      this.hooks.ping(++this.nonce);
      this.answerTimer = this.clock.setTimeout(() => {
        this.answerTimer = null;
        if (this.heardCount === since) this.hooks.silent();
        else if (this.sentSinceHeard > 0) this.watch();
      }, ANSWER_WAIT_MS);
    }, ANSWER_WAIT_MS);
  }

  /** Starts pinging (restarts if running). */
  start(): void {
    this.stop();
    this.running = true;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.clock.now() - this.lastHeardMs > SILENCE_LIMIT_INTERVALS * this.intervalMs) {
        this.hooks.silent();
        return;
      }
      this.hooks.ping(++this.nonce);
      this.start();
    }, this.intervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.answerTimer !== null) this.clock.clearTimeout(this.answerTimer);
    this.answerTimer = null;
  }
}
