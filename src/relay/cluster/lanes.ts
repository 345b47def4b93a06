/**
 * One sender's mail to one recipient is published in the order the relay took
 * it, one publish at a time (docs/decisions.md, "One publish at a time per
 * conversation"). Pipelined publishes are stored out of order whenever some of
 * them are lost with a NATS node or a stream leader and tried again after later
 * ones went through; receivers then see a sender's counters jump and come back.
 * The price is one round trip to JetStream per message, paid only when several
 * messages of one sender for one recipient arrive at once.
 *
 * A task that fails fails every task queued behind it at the time, untried,
 * with the same error: the senders keep those messages and send them again in
 * their order, where storing the later ones now would put them before the one
 * that failed.
 */
/** Conversations whose lane name is remembered (`name`); past it, all are forgotten at once. */
export const LANE_NAMES_KEPT = 16_384;

export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Lane names by sender and recipient (hex), each made once. */
  private readonly names = new Map<string, Map<string, string>>();
  private named = 0;

  /**
   * The lane of one conversation, `<sender>.<recipient>`: the same string each time, so
   * the Maps it keys hash it once (a new 129-character string per message was hashed at
   * every lookup; issue 14).
   */
  name(senderHex: string, recipientHex: string): string {
    const known = this.names.get(senderHex)?.get(recipientHex);
    if (known !== undefined) return known;
    if (this.named >= LANE_NAMES_KEPT) {
      this.names.clear();
      this.named = 0;
    }
    let bySender = this.names.get(senderHex);
    if (bySender === undefined) {
      bySender = new Map();
      this.names.set(senderHex, bySender);
    }
    const lane = `${senderHex}.${recipientHex}`;
    bySender.set(recipientHex, lane);
    this.named++;
    return lane;
  }

  /** Whether `lane` has a task queued or running. */
  busy(lane: string): boolean {
    return this.tails.has(lane);
  }

  /** Runs `task` after every task queued before it in `lane` succeeded; fails as the first that failed. */
  run<T>(lane: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(lane);
    const result = before ? before.then(task) : task();
    this.tails.set(lane, result);
    const settled = () => {
      if (this.tails.get(lane) === result) this.tails.delete(lane);
    };
    result.then(settled, settled);
    return result;
  }
}
