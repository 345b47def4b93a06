/**
 * Group work runs one unit at a time (work.ts): a stream batch, the shares of a 1:1
 * batch, a send. Chains are read, advanced and written back within a unit; two
 * units at once could both use one message key, or each undo the other's write.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Runs `job` after every job queued before it; its result or failure is the caller's. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(job);
    this.tail = run.then(
      () => this.pending--,
      () => this.pending--,
    );
    return run;
  }

  /** Resolves once every job queued so far has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}
