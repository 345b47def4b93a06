/**
 * Getting a channel to the relay: one connect attempt at a time, and after a
 * lost link the next one after a jittered, doubling delay (util/backoff.ts) on
 * the injected clock, so many clients that lost the same relay do not come
 * back in lockstep. Owns the pending delay and the backoff's count.
 */
import type { Backoff } from '../../util/backoff.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { RelayChannel } from './channel.js';

export interface DialerHooks {
  /** A channel is open. False: nobody wants it any more (it is destroyed). */
  connected: (channel: RelayChannel) => boolean;
  /** connect() failed. */
  failed: (err: unknown) => void;
}

/**
 * How long a session must stay up before its loss counts as a fresh start (the
 * next attempt after the shortest delay). A link that is cut just after each
 * login (a forwarder on the path that alters bytes, a relay that crashes on
 * our first frame) keeps backing off instead of reconnecting every few hundred
 * milliseconds, each time paying a TLS handshake and a login signature on both sides.
 */
export const STABLE_SESSION_MS = 10_000;

/** The longest wait before a redial the relay's beacon brought forward (soon()). */
export const RELAY_HEARD_JITTER_MS = 250;

export class Dialer {
  private timer: Timer | null = null;
  /** When the current session reached Ready; null: no session since the last loss. */
  private readyAtMs: number | null = null;
  /** soon() cut a wait short since the last session: it does not again until one is up. */
  private hurried = false;

  constructor(
    private readonly connect: () => Promise<RelayChannel>,
    private readonly clock: Clock,
    private readonly backoff: Backoff,
    private readonly hooks: DialerHooks,
  ) {}

  /** Connects now. */
  async dial(): Promise<void> {
    this.cancel();
    let channel: RelayChannel;
    try {
      channel = await this.connect();
    } catch (err) {
      this.hooks.failed(err);
      return;
    }
    if (!this.hooks.connected(channel)) channel.stream.destroy();
  }

  /** Runs `dial` after the next backoff delay (replacing a pending one). */
  later(dial: () => void): void {
    this.cancel();
    if (this.readyAtMs !== null && this.clock.now() - this.readyAtMs >= STABLE_SESSION_MS) {
      this.backoff.reset();
    }
    this.readyAtMs = null;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      dial();
    }, this.backoff.next());
  }

  /**
   * The relay announced itself on the LAN (its beacon) while we wait to redial: dial after
   * the shortest delay instead (still jittered: every client heard the same beacon), so a
   * relay back from a restart has its clients at once, not after up to the longest backoff.
   * Once until a session is up: a beacon replayed by anyone cannot make us dial more often
   * than the backoff does, but for that one dial. False when no redial was waiting.
   */
  soon(dial: () => void): boolean {
    if (this.timer === null || this.hurried) return false;
    this.hurried = true;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        dial();
      },
      Math.min(this.backoff.delayAfter(0), RELAY_HEARD_JITTER_MS),
    );
    return true;
  }

  /** A session reached Ready: if it lasts STABLE_SESSION_MS, its loss starts from the shortest delay. */
  succeeded(): void {
    this.readyAtMs = this.clock.now();
    this.hurried = false;
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
