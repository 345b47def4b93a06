/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Pure:
 * the caller passes `now` (ms), so tests and injected clocks drive refill. A
 * clock that steps backwards refills nothing rather than going negative.
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number;
  private readonly ratePerMs: number;

  constructor(
    ratePerSecond: number,
    private readonly burst: number,
    now = 0,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError('TokenBucket: rate must be > 0 and burst >= 1');
    }
    this.ratePerMs = ratePerSecond / 1000;
    this.tokens = burst;
    this.atMs = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until one token is there (0 if one is there now). */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.ratePerMs);
  }

  /** True when the bucket holds its whole burst again: as good as a new one (forgettable). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.atMs);
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerMs);
    this.atMs = Math.max(this.atMs, now);
  }
}
