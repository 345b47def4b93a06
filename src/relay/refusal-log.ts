/**
 * Refusals of one address (connections over its share, registrations over its rate) said
 * in the log at most once an interval, with how many there were since the last line: an
 * operator learns that a cap is refusing, and whom, while a flood of refusals stays a
 * line a minute. Pure: `now` is passed in.
 */

/** One line per address and interval. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;
/** Addresses remembered; past it the ones not heard from within the interval are forgotten. */
const MAX_TRACKED_ADDRESSES = 4096;

export class RefusalLog {
  private readonly seen = new Map<string, { atMs: number; since: number }>();

  constructor(private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS) {}

  /** Counts one refusal of `address`: how many to log now (this one and those held back), or 0. */
  note(address: string, now: number): number {
    const seen = this.seen.get(address);
    if (seen !== undefined && now - seen.atMs < this.intervalMs) {
      seen.since++;
      return 0;
    }
    if (seen === undefined && this.seen.size >= MAX_TRACKED_ADDRESSES) this.forget(now);
    this.seen.set(address, { atMs: now, since: 0 });
    return (seen?.since ?? 0) + 1;
  }

  private forget(now: number): void {
    for (const [address, seen] of this.seen) {
      if (now - seen.atMs >= this.intervalMs) this.seen.delete(address);
    }
    // Still full of addresses heard from this minute: start over rather than grow.
    if (this.seen.size >= MAX_TRACKED_ADDRESSES) this.seen.clear();
  }
}
