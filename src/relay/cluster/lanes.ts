/**
 * One recipient's mail is published in the order the relay took it, one
 * publish at a time (docs/decisions.md, "Issue 15: one publish at a time per
 * recipient"). Pipelined publishes are stored out of order whenever some of
 * them are lost with a NATS node or a stream leader and tried again after later
 * ones went through; receivers then see a sender's counters jump and come back.
 * The price is one round trip to JetStream per message per recipient, paid only
 * when several messages for one recipient arrive at once.
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every task queued before it in `lane` has settled. */
  run<T>(lane: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(lane);
    const result = before ? before.then(task, task) : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return result;
  }
}
