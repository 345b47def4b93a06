/**
 * When each delayed outbox entry may go again, behind one timer on the injected
 * clock: each firing hands over what is due and re-arms for the rest. Used by the
 * sender after a refusal for now (a jittered, doubling backoff per message) and
 * after an unanswered recipient lookup.
 */
import type { Clock, Timer } from '../../util/clock.js';

export class RetrySchedule {
  private readonly notBefore = new Map<string, number>();
  private timer: Timer | null = null;

  constructor(
    private readonly clock: Clock,
    /** Called (once per firing) when some entries became due. */
    private readonly due: () => void,
  ) {}

  /** True while `msgId` must wait. */
  waiting(msgId: string, now = this.clock.now()): boolean {
    return (this.notBefore.get(msgId) ?? 0) > now;
  }

  /** `msgId` may not go before `atMs`. */
  delay(msgId: string, atMs: number): void {
    this.notBefore.set(msgId, atMs);
    this.arm();
  }

  forget(msgId: string): void {
    this.notBefore.delete(msgId);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.stop();
    if (this.notBefore.size === 0) return;
    const wait = Math.max(0, Math.min(...this.notBefore.values()) - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const now = this.clock.now();
      for (const [id, at] of this.notBefore) if (at <= now) this.notBefore.delete(id);
      this.due();
      this.arm();
    }, wait);
  }
}
