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
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();

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
