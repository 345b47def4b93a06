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

export interface KeepaliveHooks {
  ping: (nonce: number) => void;
  /** Nothing heard for SILENCE_LIMIT_INTERVALS intervals. */
  silent: () => void;
}

export class Keepalive {
  private timer: Timer | null = null;
  private lastHeardMs = 0;
  private nonce = 0;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly hooks: KeepaliveHooks,
  ) {}

  /** The relay sent something. */
  heard(): void {
    this.lastHeardMs = this.clock.now();
  }

  /** Starts pinging (restarts if running). */
  start(): void {
    this.stop();
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
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
