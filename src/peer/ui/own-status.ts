/**
 * The user's own status: what they chose with /status, and automatic away after
 * an idle time (back to online on the next key). Announcing goes through the
 * core; the status bar reads the result from ChatState.
 */
import type { Clock, Timer } from '../../util/clock.js';
import type { PresenceStatus } from '../index.js';
import type { ChatState } from './state.js';

export class OwnStatus {
  private timer: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly o: {
      state: ChatState;
      /** Announces a status (the core's setStatus); an automatic one is not kept as chosen. */
      announce: (status: PresenceStatus, text: string, automatic: boolean) => Promise<void>;
      clock: Clock;
      /** Idle minutes before 'away'; 0: never. */
      autoAwayMinutes: number;
      /** The status changed by itself (idle): redraw. */
      changed: () => void;
      /** An automatic change could not be announced. */
      failed: (err: unknown) => void;
    },
  ) {}

  /** /status: announced first, shown once the core took it (rejects if it did not). */
  async set(status: PresenceStatus, text: string): Promise<void> {
    await this.o.announce(status, text, false);
    Object.assign(this.o.state, { ownStatus: status, ownStatusText: text, autoAway: false });
  }

  /** A key or a paste: the user is here. Ends an automatic away and restarts the count. */
  activity(): void {
    const s = this.o.state;
    if (s.autoAway) {
      Object.assign(s, { autoAway: false, ownStatus: 'online' });
      this.o.announce('online', s.ownStatusText, true).catch(this.o.failed);
    }
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.o.autoAwayMinutes <= 0 || this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => this.idle(), this.o.autoAwayMinutes * 60_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Only 'online' turns into an automatic 'away': a status the user chose stays. */
  private idle(): void {
    this.timer = null;
    const s = this.o.state;
    if (s.ownStatus !== 'online' || this.stopped) return;
    Object.assign(s, { autoAway: true, ownStatus: 'away' });
    this.o.announce('away', s.ownStatusText, true).catch(this.o.failed);
    this.o.changed();
  }
}
