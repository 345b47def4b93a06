/**
 * Writers whose queued items may wait a little for company: a frame queued with
 * `Outbound.queueKeptAck` (a send's durable ack) leaves with the next frame queued for
 * the same connection, or once this delay has passed, whichever comes first, so it
 * seldom costs a write (and a TLS record, and a wake-up of the client) of its own. One
 * timer for every writer of a relay, armed only while one of them waits. Like the tick
 * batcher's setImmediate it is a scheduling choice, not time the protocol depends on, so
 * it runs on the event loop's timers rather than the injected clock (a test's manual
 * clock would hold the frames until it advanced).
 *
 * Only while the process is busy: when the event loop was idle most of the last
 * LOAD_SAMPLE_MS, writes are cheap and the process has time for them, and holding acks
 * only bunched their writes into the timer's turn (issue 14 bench, light load: delivery
 * p99 3.9-5.1 ms with the delay against 3.7-4.1 without, relay CPU unchanged), so items
 * go out in their own turn as any frame.
 */
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from './clock.js';
import { Periodic } from './periodic.js';

/** How often the event loop's utilisation is read (a cheap call; the timer is unref'd). */
export const LOAD_SAMPLE_MS = 250;
/** Above this share of the last sample's time spent running, the process counts as busy. */
export const BUSY_UTILIZATION = 0.5;

export interface Flushable {
  /** Writes what is queued now (nothing if it went out meanwhile). */
  flush(): void;
  /**
   * Whether it waits for the timer now: DelayedFlush's own mark on the writer, so that
   * adding one already waiting (every delayed ack of a busy connection) costs no lookup.
   */
  delayedWaiting: boolean;
}

export class DelayedFlush {
  private waiting: Flushable[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy_ = false;
  private sampler: Periodic | null = null;
  private readonly clock: Clock;
  private readonly busy: (() => boolean) | null;

  /**
   * `delayMs`: the longest an item waits (0: until the end of the turn, as any frame).
   * `busy`: whether to delay now; by default, whether the event loop was busy lately, read
   * every LOAD_SAMPLE_MS on `clock` (a test's manual clock that never advances leaves the
   * process idle, so nothing waits).
   */
  constructor(
    readonly delayMs: number,
    options: { clock?: Clock; busy?: () => boolean } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.busy = options.busy ?? null;
  }

  /** Whether items wait now: a delay is set and the process is busy. */
  get delaying(): boolean {
    return this.delayMs > 0 && this.busyNow;
  }

  /** Whether the process counts as busy now (what `delaying` reads, whatever the delay). */
  get busyNow(): boolean {
    return this.busy === null ? this.busy_ : this.busy();
  }

  /** Starts reading the event loop's utilisation (a relay calls it once it serves). */
  start(): void {
    if (this.sampler !== null) return;
    let last = performance.eventLoopUtilization();
    const sample = async () => {
      const now = performance.eventLoopUtilization();
      this.busy_ = performance.eventLoopUtilization(now, last).utilization > BUSY_UTILIZATION;
      last = now;
    };
    this.sampler = new Periodic(this.clock, LOAD_SAMPLE_MS, sample, () => {});
    this.sampler.start();
  }

  /** Stops the sampler (relay close). */
  stop(): void {
    this.sampler?.stop();
    this.sampler = null;
    this.busy_ = false;
  }

  /**
   * `writer` holds an item that must leave within delayMs. A writer that writes sooner
   * stays in the list until the timer: its flush then finds nothing, which costs less
   * than taking it out on every write.
   */
  add(writer: Flushable): void {
    if (writer.delayedWaiting) return;
    writer.delayedWaiting = true;
    this.waiting.push(writer);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.run(), this.delayMs);
      // Pending acks alone do not keep a closing process alive; closing flushes sessions.
      this.timer.unref();
    }
  }

  private run(): void {
    this.timer = null;
    const due = this.waiting;
    this.waiting = [];
    for (const writer of due) {
      writer.delayedWaiting = false;
      writer.flush();
    }
  }
}
