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

export class ByteBudget<H extends BudgetHolder = BudgetHolder> {
  private readonly held = new Map<H, number>();
  private total = 0;
  private shedding = false;
  /** Connections closed for the relay-wide budget since start. */
  shed = 0;

  constructor(private readonly maxBytes: number) {}

  get totalBytes(): number {
    return this.total;
  }

  /** Records what `holder` holds now (0 forgets it); sheds the largest while over budget. */
  update(holder: H, bytes: number): void {
    const before = this.held.get(holder) ?? 0;
    if (bytes === before) return;
    if (bytes === 0) this.held.delete(holder);
    else this.held.set(holder, bytes);
    this.total += bytes - before;
    if (this.total > this.maxBytes && !this.shedding) this.shedLargest();
  }

  private shedLargest(): void {
    this.shedding = true;
    try {
      while (this.total > this.maxBytes) {
        let largest: H | null = null;
        let most = 0;
        for (const [h, n] of this.held) {
          if (n > most) {
            most = n;
            largest = h;
          }
        }
        if (largest === null) return;
        // Forget it first: fail() may not report back at once (the socket lingers).
        this.held.delete(largest);
        this.total -= most;
        this.shed++;
        largest.fail(
          'E_RELAY_OVERLOADED',
          'relay: over its memory budget; closing the largest holder',
        );
      }
    } finally {
      this.shedding = false;
    }
  }
}
