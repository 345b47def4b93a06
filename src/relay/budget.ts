/**
 * The relay-wide byte budget (issue 8): each connection's own budgets bound
 * what one client can make the relay hold, but ten thousand connections each
 * under its own budget could still exhaust memory together. Sessions report
 * what they hold (queued output, a partial frame, a backlog); when the total
 * passes the budget, the connection holding the most is closed with
 * E_RELAY_OVERLOADED until the total is back under it. The biggest holder is
 * the one that costs most and, in every case measured, the one not reading.
 */

/** What the budget needs of a connection. */
export interface BudgetHolder {
  fail(code: string, message: string): void;
}

/**
 * One holder's part of the budget, kept by the holder: a session reports what it holds
 * after every read and write, and a field here rather than a Map keyed by session makes
 * that a field write (issue 14: the Map's lookups were a good part of the relay's hash
 * work per message at 500 clients).
 */
export interface BudgetShare<H extends BudgetHolder = BudgetHolder> {
  readonly holder: H;
  /** What the holder holds now, as last reported. */
  readonly bytes: number;
}

interface Share<H extends BudgetHolder> extends BudgetShare<H> {
  bytes: number;
  /** Still counted (released: no longer, whatever it reports). */
  live: boolean;
}

export class ByteBudget<H extends BudgetHolder = BudgetHolder> {
  /** Every share given and not yet released, holding bytes or not: walked only to shed. */
  private readonly shares = new Set<Share<H>>();
  private total = 0;
  private shedding = false;
  /** Connections closed for the relay-wide budget since start. */
  shed = 0;

  constructor(private readonly maxBytes: number) {}

  get totalBytes(): number {
    return this.total;
  }

  /** A new holder's share, holding nothing yet. */
  share(holder: H): BudgetShare<H> {
    const share: Share<H> = { holder, bytes: 0, live: true };
    this.shares.add(share);
    return share;
  }

  /** Records what the share's holder holds now; sheds the largest while over budget. */
  update(given: BudgetShare<H>, bytes: number): void {
    const share = given as Share<H>;
    const before = share.bytes;
    if (bytes === before || !share.live) return;
    share.bytes = bytes;
    this.total += bytes - before;
    if (this.total > this.maxBytes && !this.shedding) this.shedLargest();
  }

  /** The holder is gone: what it held no longer counts, nor anything it reports later. */
  release(given: BudgetShare<H>): void {
    const share = given as Share<H>;
    if (!share.live) return;
    this.total -= share.bytes;
    share.bytes = 0;
    share.live = false;
    this.shares.delete(share);
  }

  private shedLargest(): void {
    this.shedding = true;
    try {
      while (this.total > this.maxBytes) {
        let largest: Share<H> | null = null;
        for (const share of this.shares) {
          if (share.bytes > (largest?.bytes ?? 0)) largest = share;
        }
        if (largest === null) return;
        // Forget it first: fail() may not report back at once (the socket lingers).
        this.release(largest);
        this.shed++;
        largest.holder.fail(
          'E_RELAY_OVERLOADED',
          'relay: over its memory budget; closing the largest holder',
        );
      }
    } finally {
      this.shedding = false;
    }
  }
}
