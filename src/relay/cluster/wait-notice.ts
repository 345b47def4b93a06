/**
 * A starting relay says what it is waiting for (operator trial): with its first
 * NATS server dead it printed nothing for 11-28 s before `listening`, which reads
 * as hung. Every WAIT_NOTICE_MS that `waited` is not settled, one log line.
 */
import { systemClock, type Timer } from '../../util/clock.js';
import type { LogFields, Logger } from '../../util/logger.js';

/** As long as a NATS server has to answer a connection (connection.ts) before the next is tried. */
export const WAIT_NOTICE_MS = 4_000;

export async function sayWhileWaiting<T>(
  waited: Promise<T>,
  log: Logger,
  msg: string,
  fields: LogFields,
  everyMs = WAIT_NOTICE_MS,
): Promise<T> {
  const started = systemClock.now();
  let timer: Timer | null = null;
  const arm = () => {
    timer = systemClock.setTimeout(() => {
      log.warn(msg, { ...fields, waitedMs: systemClock.now() - started });
      arm();
    }, everyMs);
  };
  arm();
  try {
    return await waited;
  } finally {
    if (timer) systemClock.clearTimeout(timer);
  }
}
