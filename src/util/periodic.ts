/**
 * A job that runs every `intervalMs` on the injected clock, each run arming the next
 * once it has settled, so a slow run never overlaps the next one. The timer is unref'd:
 * a periodic job alone does not keep the process alive. A run that fails is reported
 * and the job goes on; stop() is final.
 */
import type { Clock, Timer } from './clock.js';

export class Periodic {
  private timer: Timer | null = null;
  private started = false;
  private stopped = false;

  /** `failed` hears each run that rejected; the next run is armed all the same. */
  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Arms the first run, intervalMs from now. Idempotent; a no-op once stopped. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.arm();
  }

  /** Cancels the next run; a run in progress finishes and arms nothing. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.run().then(
        () => this.arm(),
        (err: unknown) => {
          this.failed(err);
          this.arm();
        },
      );
    }, this.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }
}
