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

export class Dialer {
  private timer: Timer | null = null;

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
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      dial();
    }, this.backoff.next());
  }

  /** A session reached Ready: the next loss starts from the shortest delay. */
  succeeded(): void {
    this.backoff.reset();
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
