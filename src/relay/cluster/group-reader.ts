/**
 * Reads the groups' stream in order for group-applier.ts, and never skips an
 * item: every relay must apply every item, or its members miss it and ack past
 * it (a new-user trial killed a host, relay and NATS node: the other relays'
 * consumers stalled for minutes, and one came back past twelve items it never
 * applied, which its members then never received).
 *
 * - An ordered consumer pushes the items, with a short pull expiry and a
 *   heartbeat, made again within seconds when it falls silent or ends
 *   (kept-consumer.ts, as for a session's mail).
 * - An item after a gap (its seq beyond the next expected) is preceded by a read
 *   of what lies between from the stream's leader: what was deleted is not there,
 *   anything else is applied first.
 * - While anyone waits for an item (a publishing relay, for its answer), or
 *   every READ_IDLE_MS anyway, a reader that has heard nothing reads on from the
 *   leader up to the stream's last seq.
 */
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import {
  CLUSTER_SETUP_TIMEOUT_MS,
  type ClusterLink,
  GROUP_STREAM,
  GROUP_SUBJECT_PREFIX,
} from './connection.js';
import { KeptConsumer } from './kept-consumer.js';
import { retrying } from './retry.js';
import { nextStored } from './streams.js';

/** How long a waited-for item may be missing from the consumer before the leader is asked. */
export const READ_STALL_MS = 500;
/** How often an idle reader compares its position with the stream's last seq. */
export const READ_IDLE_MS = 5_000;
/** Items read from the leader per round (the rest at the next round, or by the consumer). */
const LEADER_READ_MAX = 512;

/** Applies one item; called once per stored seq, in seq order. */
export type ApplyItem = (seq: number, subject: string, data: Uint8Array) => void;

export class GroupStreamReader {
  /** The highest seq handed to `apply` (or known to be deleted). */
  position = 0;
  private consumer: KeptConsumer | null = null;
  private timer: Timer | null = null;
  private serial: Promise<void> = Promise.resolve();
  /** What start() waits for: the stream's last seq when it began. */
  private reached: { seq: number; resolve: () => void } | null = null;
  private lastHeardMs = 0;
  private stopped = false;
  private readonly filter = `${GROUP_SUBJECT_PREFIX}>`;

  constructor(
    private readonly link: ClusterLink,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly apply: ApplyItem,
    /** Something waits for an item past `position`: read on from the leader sooner. */
    private readonly waiting: () => boolean,
  ) {}

  /** Starts reading from the stream's first item; resolves once everything stored then is applied. */
  async start(): Promise<void> {
    const { link, clock } = this;
    // At start, as long as any setup step: a new cluster may still be electing leaders.
    const info = await retrying(
      clock,
      () => link.jsm.streams.info(GROUP_STREAM),
      CLUSTER_SETUP_TIMEOUT_MS,
    );
    const target = info.state.last_seq;
    // The first items from the leader (often all of them), the rest from the consumer.
    await this.readFromLeader(target, LEADER_READ_MAX);
    const caughtUp = new Promise<void>((resolve) => {
      this.reached = { seq: target, resolve };
    });
    this.handed();
    const consumer = new KeptConsumer({
      link,
      clock,
      log: this.log,
      stream: GROUP_STREAM,
      filter: this.filter,
      maxMessages: 1024,
      position: () => this.position,
      take: async (m) => {
        if (this.stopped) return false;
        this.lastHeardMs = this.clock.now();
        await this.inTurn(async () => {
          if (m.seq > this.position + 1) await this.readFromLeader(m.seq - 1);
          this.hand(m.seq, m.subject, m.data);
          // Nothing more stored: caught up, even if the stream's last items were deleted.
          if (m.info.pending === 0) this.handed(true);
        });
        return true;
      },
      // At start, as long as any setup step: a new cluster may still be electing leaders.
      makeBudgetMs: CLUSTER_SETUP_TIMEOUT_MS,
      // Later, never given up: every relay must read every item (leader reads meanwhile).
      failed: (err) => {
        if (!this.stopped) this.log.warn('group stream consumer not made yet', describeError(err));
        return !this.stopped;
      },
    });
    this.consumer = consumer;
    await consumer.start();
    this.schedule();
    await caughtUp;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.handed(true);
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.consumer?.stop();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.schedule());
    }, READ_STALL_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Heard nothing lately while something is owed: read on from the leader. */
  private async check(): Promise<void> {
    const quiet = this.clock.now() - this.lastHeardMs;
    if (quiet < READ_STALL_MS || (!this.waiting() && quiet < READ_IDLE_MS)) return;
    this.lastHeardMs = this.clock.now();
    try {
      const { link, clock } = this;
      const info = await retrying(clock, () => link.jsm.streams.info(GROUP_STREAM));
      if (info.state.last_seq > this.position) {
        await this.inTurn(() => this.readFromLeader(info.state.last_seq, LEADER_READ_MAX));
      }
    } catch (err) {
      if (!this.stopped)
        this.log.warn('group stream read from the leader failed', describeError(err));
    }
  }

  /** Runs `step` after every earlier one: items are handed over strictly in order. */
  private inTurn(step: () => Promise<void>): Promise<void> {
    const run = this.serial.then(step);
    this.serial = run.catch(() => {});
    return run;
  }

  /**
   * Hands over what the stream holds after `position` up to `through`, read from the
   * leader, at most `max` items (the rest comes later: from the consumer, or the next
   * round); without `max`, all of them, as before an item that follows a gap.
   */
  private async readFromLeader(through: number, max = Number.POSITIVE_INFINITY): Promise<void> {
    const { link, clock } = this;
    for (let n = 0; n < max && this.position < through && !this.stopped; n++) {
      const m = await nextStored(link, clock, GROUP_STREAM, this.filter, this.position + 1);
      if (m === null || m.seq > through) {
        // Nothing stored up to `through`: deleted (every member past it) or never there.
        this.position = Math.max(this.position, through);
        break;
      }
      this.hand(m.seq, m.subject, m.data);
    }
    this.handed();
  }

  /** start() is done once the position reaches its target (or `now`: nothing more is stored). */
  private handed(now = false): void {
    if (this.reached && (now || this.position >= this.reached.seq)) {
      this.reached.resolve();
      this.reached = null;
    }
  }

  private hand(seq: number, subject: string, data: Uint8Array): void {
    if (seq <= this.position) return;
    this.position = seq;
    this.apply(seq, subject, data);
    this.handed();
  }
}
