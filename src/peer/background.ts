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

  constructor(
    private readonly events: PeerEvents,
    private readonly log: Logger,
  ) {}

  run(work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      const { code, message } = describeError(err);
      this.log.warn('background task failed', { code });
      if (!this.closed) this.events.emit('error', { code, message, fatal: false });
    });
  }

  /** From now on failures are only logged: the client is shutting down. */
  close(): void {
    this.closed = true;
  }
}
