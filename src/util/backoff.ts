/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): after the n-th failure wait a uniform random time in
 * [0, min(max, base * 2^n)], so many clients that lost the same relay do not
 * reconnect in lockstep.
 */
export interface BackoffOptions {
  /** First ceiling in ms. Default 250. */
  baseMs?: number;
  /** Largest ceiling in ms. Default 10_000. */
  maxMs?: number;
  /** Uniform random in [0, 1). Default Math.random (jitter needs no CSPRNG). */
  random?: () => number;
}

export class Backoff {
  private failures = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.maxMs = options.maxMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return this.delayAfter(this.failures++);
  }

  /**
   * The delay after `failures` failures, counted by the caller (the outbox keeps
   * each message's attempts durably); counts nothing here.
   */
  delayAfter(failures: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures, 30));
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.failures = 0;
  }
}
