/**
 * Waiting for the mailbox a login found (`natter inbox`, waitForInbox()): done
 * once as many deliveries have been handled as Ready.pending announced, or when
 * nothing has been delivered for `idleMs` (the relay may hold some back for
 * backpressure, or have lost the session), or at `timeoutMs`. Event-driven: each
 * handled batch checks the count, and timers on the injected clock cover the rest.
 */
import type { Clock, Timer } from '../../util/clock.js';

interface Waiter {
  idleMs: number;
  idle: Timer | null;
  deadline: Timer;
  resolve: () => void;
}

export class InboxProgress {
  /** Deliveries fully handled (written and acknowledged) in this session. */
  private handled = 0;
  /** Ready.pending of this session: what the relay had waiting at login. */
  private pending = 0;
  private lastDeliveryMs: number;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly clock: Clock) {
    this.lastDeliveryMs = clock.now();
  }

  /** A new session: the relay has `pending` messages waiting for us. */
  newSession(pending: number): void {
    this.handled = 0;
    this.pending = pending;
    this.delivered();
  }

  /** A delivery arrived (not yet handled): the idle clock starts again. */
  delivered(): void {
    this.lastDeliveryMs = this.clock.now();
  }

  /** `count` deliveries were written and acknowledged. */
  handledBatch(count: number): void {
    this.handled += count;
    if (this.caughtUp()) for (const w of [...this.waiters]) this.finish(w);
  }

  /** Resolves as described above; never rejects. */
  wait(idleMs: number, timeoutMs: number): Promise<void> {
    if (this.caughtUp()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        idleMs,
        idle: null,
        deadline: this.clock.setTimeout(() => this.finish(waiter), Math.max(0, timeoutMs)),
        resolve,
      };
      this.waiters.add(waiter);
      this.armIdle(waiter);
    });
  }

  private caughtUp(): boolean {
    return this.handled >= this.pending;
  }

  /** Fires when `idleMs` will have passed since the last delivery; re-arms if one came since. */
  private armIdle(w: Waiter): void {
    const wait = this.lastDeliveryMs + w.idleMs - this.clock.now();
    w.idle = this.clock.setTimeout(
      () => {
        w.idle = null;
        if (this.clock.now() - this.lastDeliveryMs >= w.idleMs) this.finish(w);
        else this.armIdle(w);
      },
      Math.max(0, wait),
    );
  }

  private finish(w: Waiter): void {
    if (!this.waiters.delete(w)) return;
    this.clock.clearTimeout(w.deadline);
    if (w.idle !== null) this.clock.clearTimeout(w.idle);
    w.resolve();
  }
}
