/**
 * A transfer's rate and ETA over a sliding window, and the throttle on its progress events
 * (docs/files.md: "Progress is reported as events"). Pure: the caller passes the time.
 */

/** The rate is measured over the last few seconds: steady enough to read, quick to follow. */
export const RATE_WINDOW_MS = 5_000;
/** At most this often per transfer a 'transfer:progress' event: a few a second is smooth. */
export const PROGRESS_INTERVAL_MS = 250;
/** Samples kept: one per progress step is plenty for a window of a few seconds. */
const MAX_SAMPLES = 256;

export class ProgressMeter {
  private samples: { atMs: number; bytes: number }[] = [];
  private lastEmitMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs = RATE_WINDOW_MS,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /**
   * `bytes` are now done (a running total). After a pause longer than the window (the
   * relay away), the rate starts again from here: measured across the pause it read a
   * fraction of the pace, and an ETA of hours (a new-user trial).
   */
  record(nowMs: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && nowMs - last.atMs > this.windowMs) this.samples = [];
    this.samples.push({ atMs: nowMs, bytes });
    const from = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length - 1 && this.samples[drop + 1]!.atMs <= from) drop++;
    if (drop > 0 || this.samples.length > MAX_SAMPLES) {
      this.samples = this.samples.slice(Math.max(drop, this.samples.length - MAX_SAMPLES));
    }
  }

  /** Bytes per second over the window; 0 with too little to go on or when idle. */
  rate(nowMs: number): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last === first) return 0;
    if (nowMs - last.atMs > this.windowMs) return 0;
    const spanMs = Math.max(nowMs, last.atMs) - first.atMs;
    return spanMs <= 0 ? 0 : ((last.bytes - first.bytes) * 1000) / spanMs;
  }

  /** Milliseconds left for `remaining` bytes at the current rate, or null when unknown. */
  etaMs(nowMs: number, remaining: number): number | null {
    if (remaining <= 0) return 0;
    const rate = this.rate(nowMs);
    return rate > 0 ? Math.ceil((remaining * 1000) / rate) : null;
  }

  /** True (and counted) when a progress event may go out now. */
  shouldEmit(nowMs: number): boolean {
    if (nowMs - this.lastEmitMs < this.intervalMs) return false;
    this.lastEmitMs = nowMs;
    return true;
  }
}
