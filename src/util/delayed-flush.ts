/**
 * Writers whose queued items may wait a little for company: a frame queued with
 * `Outbound.queueDelayed` (a send's durable ack) leaves with the next frame queued for
 * the same connection, or once this delay has passed, whichever comes first, so it
 * seldom costs a write (and a TLS record, and a wake-up of the client) of its own. One
 * timer for every writer of a relay, armed only while one of them waits. Like the tick
 * batcher's setImmediate it is a scheduling choice, not time the protocol depends on, so
 * it runs on the event loop's timers rather than the injected clock (a test's manual
 * clock would hold the frames until it advanced).
 */

export interface Flushable {
  /** Writes what is queued now (nothing if it went out meanwhile). */
  flush(): void;
}

export class DelayedFlush {
  private waiting = new Set<Flushable>();
  private timer: NodeJS.Timeout | null = null;

  /** `delayMs`: the longest an item waits (0: until the end of the turn, as any frame). */
  constructor(readonly delayMs: number) {}

  /**
   * `writer` holds an item that must leave within delayMs. A writer that writes sooner
   * stays in the set until the timer: its flush then finds nothing, which costs less
   * than taking it out on every write.
   */
  add(writer: Flushable): void {
    this.waiting.add(writer);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.run(), this.delayMs);
      // Pending acks alone do not keep a closing process alive; closing flushes sessions.
      this.timer.unref();
    }
  }

  private run(): void {
    this.timer = null;
    const due = this.waiting;
    this.waiting = new Set();
    for (const writer of due) writer.flush();
  }
}
