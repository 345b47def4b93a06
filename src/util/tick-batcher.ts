/**
 * Collects items produced in one event-loop turn and hands them over together
 * at the end of it (setImmediate), so a burst of frames leaves as one socket
 * write or one roster update (DESIGN.md §4: group fan-out went from about 0.2 M
 * to 1.6-2.4 M deliveries/s with per-tick coalescing alone). One mechanism for
 * every socket writer and batch in natter.
 */
export class TickBatcher<T> {
  private items: T[] = [];
  private scheduled = false;
  /** flushNow, bound once: a socket writer schedules it every busy turn. */
  private readonly flushBound = () => this.flushNow();

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: (fn: () => void) => void = setImmediate,
  ) {}

  /** Adds an item; the flush runs once at the end of this turn. */
  push(item: T): void {
    this.items.push(item);
    this.flushSoon();
  }

  /**
   * Adds an item without scheduling a flush: it leaves with the next one `push`
   * schedules, or when the owner calls flushSoon or flushNow (util/delayed-flush.ts).
   */
  pushQuiet(item: T): void {
    this.items.push(item);
  }

  /** True while a flush at the end of this turn is scheduled. */
  get flushScheduled(): boolean {
    return this.scheduled;
  }

  /** The flush runs at the end of this turn. */
  flushSoon(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flushBound);
    }
  }

  /** Items waiting for the flush. */
  get size(): number {
    return this.items.length;
  }

  /** Flushes what is queued now (the scheduled run then finds nothing). */
  flushNow(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.flush(items);
  }

  /** Forgets what is queued (a closed socket). */
  clear(): void {
    this.items = [];
  }
}
