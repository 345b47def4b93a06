/**
 * Work the core starts without a caller to await it (a receipt queued after a
 * delivery, holding the outbox after a key change, a SendAck being applied). A
 * failure, typically the store closing under it at shutdown, is logged and
 * reported as a non-fatal 'error' event, never left as an unhandled rejection
 * that would take the host process down.
 */
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { PeerEvents } from './events.js';

export class BackgroundTasks {
  private closed = false;
  /** Work a logout waits for (run's `finishFirst`), until it settles. */
  private readonly kept = new Set<Promise<unknown>>();

  constructor(
    private readonly events: PeerEvents,
    private readonly log: Logger,
  ) {}

  /**
   * `finishFirst`: logout() waits for it (finished()): leaving a group a blocked key put me
   * in, which a short command (`natter send`) otherwise exited before, leaving it joined.
   */
  run(work: Promise<unknown>, options: { finishFirst?: boolean } = {}): void {
    if (options.finishFirst) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      this.kept.add(settled);
      void settled.then(() => this.kept.delete(settled));
    }
    work.catch((err: unknown) => {
      const { code, message } = describeError(err);
      this.log.warn('background task failed', { code });
      if (!this.closed) this.events.emit('error', { code, message, fatal: false });
    });
  }

  /** Settles once the work run with `finishFirst` so far has (it never rejects). */
  async finished(): Promise<void> {
    while (this.kept.size > 0) await Promise.all([...this.kept]);
  }

  /** From now on failures are only logged: the client is shutting down. */
  close(): void {
    this.closed = true;
  }
}
