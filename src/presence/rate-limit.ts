/**
 * Token buckets keyed by source. Pure: the caller passes `now` (ms), so tests
 * and the filter's injected clock drive refill.
 */

import { LruMap } from '../util/lru.js';
import { TokenBucket } from '../util/token-bucket.js';

export interface TokenBucketOptions {
  /** Tokens added per second (sustained rate). */
  ratePerSecond: number;
  /** Bucket size: how many may be taken at once after a quiet period. */
  burst: number;
  /** Keys tracked; least recently used keys are forgotten first. */
  maxKeys: number;
}

export class KeyedTokenBuckets {
  private readonly buckets: LruMap<string, TokenBucket>;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError('KeyedTokenBuckets: rate must be > 0 and burst >= 1');
    }
    this.buckets = new LruMap(options.maxKeys);
  }

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      // A forgotten key starts full: forgetting must never lock an honest source out.
      bucket = new TokenBucket(this.options.ratePerSecond, this.options.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  get size(): number {
    return this.buckets.size;
  }
}

export interface ReplyLimiterOptions {
  /** Replies per second in total. */
  ratePerSecond: number;
  /** Burst of replies in total. */
  burst: number;
  /** Minimum gap between two replies to the same address and port. */
  minGapMs: number;
  /** Targets whose last reply time is kept. */
  maxTargets: number;
}

/**
 * Decides whether to answer a HELLO or QUERY: one answer per target per gap,
 * and a global cap, so spoofed-source queries cannot turn us into an amplifier.
 */
export class ReplyLimiter {
  private readonly global: KeyedTokenBuckets;
  private readonly lastReply: LruMap<string, number>;
  private readonly minGapMs: number;

  constructor(options: ReplyLimiterOptions) {
    this.global = new KeyedTokenBuckets({
      ratePerSecond: options.ratePerSecond,
      burst: options.burst,
      maxKeys: 1,
    });
    this.lastReply = new LruMap(options.maxTargets);
    this.minGapMs = options.minGapMs;
  }

  allow(address: string, port: number, now: number): boolean {
    const key = `${address}|${port}`;
    const last = this.lastReply.peek(key);
    if (last !== undefined && now - last < this.minGapMs && now >= last) return false;
    if (!this.global.take('*', now)) return false;
    this.lastReply.set(key, now);
    return true;
  }
}
