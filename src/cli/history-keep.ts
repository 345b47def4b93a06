/**
 * `natter config get|set keep-history`: how long this machine keeps history
 * (peer/messaging/history-keep.ts), through the running client or the profile's own
 * (control-history.ts's `history.keep`). A duration is a whole number of hours, days,
 * weeks or years (`36h`, `90d`, `12w`, `1y`; a year is 365 days) or `forever`. Read
 * here rather than with a duration library: the common one (`ms`) reads `6m` as six
 * minutes, a surprise in a setting that deletes history, and months have no fixed length.
 */
import {
  formatHistoryKeep,
  MAX_HISTORY_KEEP_MS,
  MIN_HISTORY_KEEP_MS,
  prunedWhat,
  HISTORY_KEEP_UNITS as UNITS,
} from '../peer/index.js';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';
import { dateTime, sanitize } from './format.js';
import { perform } from './via-control.js';

const FOREVER = /^\s*(forever|for ever|)\s*$/i;

/** `90d`, `12w`, `1y`, `36h` or `forever` ('' too): ms, or null for ever. */
export function parseHistoryKeep(value: string): number | null {
  if (FOREVER.test(value)) return null;
  if (/^\s*\d+\s*(m|mo|mins?|minutes?|months?)\s*$/i.test(value))
    throw new UsageError(
      `config set keep-history: '${sanitize(value)}': minutes or months? Say it in hours, days, weeks or years (36h, 90d, 12w, 1y)`,
    );
  const m = /^\s*(\d{1,6})\s*(h|hours?|d|days?|w|weeks?|y|years?)\s*$/i.exec(value);
  const unit = m === null ? undefined : UNITS.find(([u]) => m[2]!.toLowerCase().startsWith(u));
  if (m === null || unit === undefined)
    throw new UsageError(
      `config set keep-history: '${sanitize(value)}' is not a duration: a number of hours, days, weeks or years (36h, 90d, 12w, 1y), or forever`,
    );
  const ms = Number(m[1]) * unit[2];
  if (ms < MIN_HISTORY_KEEP_MS || ms > MAX_HISTORY_KEEP_MS)
    throw new UsageError('config set keep-history: between 1h and 100y, or forever');
  return ms;
}

export { formatHistoryKeep };

/** `config get keep-history`'s line. */
export function historyKeepLine(keepMs: number | null, pad: number): string {
  const note = keepMs === null ? '' : ' (older messages are deleted from this computer)';
  return `${'keep-history'.padEnd(pad)}${formatHistoryKeep(keepMs)}${note}`;
}

/** Reads the setting, through the running client or the profile. */
export async function readHistoryKeep(ctx: CliContext): Promise<number | null> {
  return (await perform(ctx, 'history.keep', {})).keepMs;
}

/** `config set keep-history VALUE`: saves it, deletes what is older now, and says so. */
export async function setHistoryKeep(ctx: CliContext, value: string, pad: number): Promise<void> {
  const keepMs = parseHistoryKeep(value);
  const { pruned } = await perform(ctx, 'history.keep', { change: { keepMs } });
  ctx.out(historyKeepLine(keepMs, pad));
  if (pruned === undefined || pruned.beforeMs === null) return;
  const { messages, events, conversations, beforeMs, kept } = pruned;
  const outbox =
    kept === 0
      ? ''
      : `; kept ${kept} message${kept === 1 ? '' : 's'} of yours as old, still in the outbox (natter outbox)`;
  if (messages + events === 0) {
    ctx.err(`natter: nothing here is older than ${formatHistoryKeep(keepMs)}${outbox}`);
    return;
  }
  const convs = `${conversations} conversation${conversations === 1 ? '' : 's'}`;
  ctx.out(`deleted ${prunedWhat(pruned)} (from before ${dateTime(beforeMs)}) in ${convs}${outbox}`);
}
