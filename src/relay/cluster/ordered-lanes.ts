/**
 * A sender's publishes to one group, stored in the order the relay took them, and
 * still pipelined while nothing goes wrong (docs/decisions.md, "A sender's group
 * messages are stored in the order sent"). Pipelined publishes that were tried
 * again one by one (retry.ts) after a stream leader or a NATS node was lost were
 * stored after later ones, for good: an operator trial's members saw "2, 1, 3".
 * Publishing one at a time (lanes.ts, as 1:1 mail does) cost a bursting sender
 * two thirds of its rate (5,100-5,700 against 1,500 msgs/s, one relay, one node).
 *
 * So a lane pipelines only behind publishes that are young and untroubled:
 * - a publish whose attempt failed is tried again only once every earlier one of
 *   its lane is stored, and fails as the first of them that failed for good (its
 *   sender sends them all again, in order);
 * - while a lane has a publish in flight that failed once, that waits, or that is
 *   older than PIPELINE_YOUNG_MS, a new one waits for the one before it (one at a
 *   time until the lane is empty again);
 * - a loss of the NATS connection (`suspect`) counts as a failure of everything in
 *   flight: what was written to a dead node is lost, while what the client library
 *   buffered meanwhile goes to the next node at once and would be stored first.
 * What is left: a publish lost to a leader that hands over within PIPELINE_YOUNG_MS
 * while a later one reaches the new leader first. nats-server's elections after a
 * node dies took seconds in every test here.
 */
import type { Clock } from '../../util/clock.js';
import { CLUSTER_RETRY_BUDGET_MS, isFinal, retrying } from './retry.js';

/**
 * How long a publish in flight lets later ones of its lane go beside it: far above a
 * publish's round trip on a LAN (about 1 ms), far below a JetStream election (seconds).
 */
export const PIPELINE_YOUNG_MS = 250;

interface InFlight {
  startedAtMs: number;
  /** Failed an attempt, or waited for the one before it: later ones wait too. */
  troubled: boolean;
}

interface Lane {
  tail: Promise<unknown>;
  inFlight: Set<InFlight>;
}

export class OrderedLanes {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly clock: Clock,
    private readonly youngMs = PIPELINE_YOUNG_MS,
  ) {}

  /** Lanes with a publish in flight (for tests and stats). */
  get size(): number {
    return this.lanes.size;
  }

  /** The NATS connection dropped or came back: whatever is in flight may be lost. */
  suspect(): void {
    for (const lane of this.lanes.values()) for (const p of lane.inFlight) p.troubled = true;
  }

  /**
   * Runs `attempt` (one publish, tried again by retry.ts rules) in `name`'s order:
   * at once beside young, untroubled publishes of the lane, else after the one before it.
   */
  run<T>(name: string, attempt: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(name);
    if (lane === undefined) {
      lane = { tail: Promise.resolve(), inFlight: new Set() };
      this.lanes.set(name, lane);
    }
    const now = this.clock.now();
    const pipelined = this.mayPipeline(lane, now);
    const mine: InFlight = { startedAtMs: now, troubled: !pipelined };
    const result = this.go(lane.tail, pipelined, mine, attempt, now + CLUSTER_RETRY_BUDGET_MS);
    lane.inFlight.add(mine);
    lane.tail = result;
    const owner = lane;
    const settled = () => {
      owner.inFlight.delete(mine);
      if (owner.inFlight.size === 0 && this.lanes.get(name) === owner) this.lanes.delete(name);
    };
    result.then(settled, settled);
    return result;
  }

  private mayPipeline(lane: Lane, now: number): boolean {
    for (const p of lane.inFlight) {
      if (p.troubled || now - p.startedAtMs >= this.youngMs) return false;
    }
    return true;
  }

  private async go<T>(
    before: Promise<unknown>,
    pipelined: boolean,
    mine: InFlight,
    attempt: () => Promise<T>,
    deadline: number,
  ): Promise<T> {
    if (pipelined) {
      try {
        return await attempt();
      } catch (err) {
        if (isFinal(err)) throw err;
        mine.troubled = true;
      }
    }
    // Rejects as the one before did if it failed for good: this one then fails too
    // (untried, or not stored as far as anyone knows), and its sender sends both again.
    await before;
    return retrying(this.clock, attempt, Math.max(0, deadline - this.clock.now()));
  }
}
