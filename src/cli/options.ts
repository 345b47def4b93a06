/** Option parsers shared by commands; a bad value is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

/** `--wait` of the commands that connect (commander adds its default to the help). */
export const WAIT_HELP =
  'how long to try to reach (or find) the relay; without it a refused or unresolvable address fails within a second, and a LAN where no relay is heard after three beacon intervals (6 s)';

export function parseMs(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a number of milliseconds');
  return Number(value);
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port 0-65535');
  return n;
}

/** `--limit`: 1 to MAX_LIST_LIMIT. */
export const MAX_LIST_LIMIT = 100_000;

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d{1,6}$/.test(value) || n < 1 || n > MAX_LIST_LIMIT)
    throw new InvalidArgumentError(`expected a number 1-${MAX_LIST_LIMIT}`);
  return n;
}

const AGE_UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * `--since`: an age (`90s`, `30m`, `2h`, `7d`) before `nowMs`, or a date or date and
 * time (`2025-01-31`, `2025-01-31T09:00`, local time unless it names a zone); epoch ms.
 */
export function parseSince(value: string, nowMs: number = Date.now()): number {
  const age = /^(\d{1,6})([smhd])$/.exec(value);
  if (age) return nowMs - Number(age[1]) * (AGE_UNIT_MS[age[2] ?? 's'] ?? 1_000);
  // A bare date is UTC to Date.parse; a person means their own midnight.
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new InvalidArgumentError('expected an age (30m, 2h, 7d) or a date (2025-01-31[T09:00])');
  return ms;
}
