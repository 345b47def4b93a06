/**
 * The screen's background work (history reads, commands, taking unread
 * messages): never an unhandled rejection, and awaitable as a whole so tests
 * can wait until the screen is quiet.
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';

export class Tasks {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly log: Logger) {}

  /**
   * Runs `work` in the background. A failure goes to `failed` (a command's:
   * the user is told), or without one is logged (codes only).
   */
  track(work: Promise<unknown>, failed?: (err: unknown) => void): void {
    const p = work.catch((err: unknown) => {
      if (failed) failed(err);
      else this.log.warn('background task failed', { code: describeError(err).code });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once nothing started so far, or started meanwhile, is still running. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** `work`, or a rejection once `ms` passed first (the goodbye at quit). */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
