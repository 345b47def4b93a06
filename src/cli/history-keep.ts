/**
 * `natter config get|set keep-history`: how long this machine keeps history
 * (peer/messaging/history-keep.ts), through the running client or the profile's own
 * (control-history.ts's `history.keep`). A duration is a whole number of hours, days,
 * weeks or years (`36h`, `90d`, `12w`, `1y`; a year is 365 days) or `forever`. Read
 * here rather than with a duration library: the common one (`ms`) reads `6m` as six
 * minutes, a surprise in a setting that deletes history, and months have no fixed length.
 */
import { MAX_HISTORY_KEEP_MS, MIN_HISTORY_KEEP_MS } from '../peer/index.js';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';
import { dateTime, sanitize } from './format.js';
import { perform } from './via-control.js';

const HOUR_MS = 60 * 60 * 1000;
const UNITS: readonly (readonly [string, string, number])[] = [
  ['y', 'year', 365 * 24 * HOUR_MS],
  ['w', 'week', 7 * 24 * HOUR_MS],
  ['d', 'day', 24 * HOUR_MS],
  ['h', 'hour', HOUR_MS],
];
const FOREVER = /^\s*(forever|for ever|)\s*$/i;

/** `90d`, `12w`, `1y`, `36h` or `forever` ('' too): ms, or null for ever. */
export function parseHistoryKeep(value: string): number | null {
  if (FOREVER.test(value)) return null;
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

/** `90 days`, `1 year`, `36 hours`, `for ever`: the largest unit the setting is whole in. */
export function formatHistoryKeep(keepMs: number | null): string {
  if (keepMs === null) return 'for ever';
  const [, name, ms] = UNITS.find(([, , ms]) => keepMs % ms === 0) ?? UNITS[UNITS.length - 1]!;
  const n = Math.round(keepMs / ms);
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}

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
  const { messages, events, conversations, beforeMs } = pruned;
  if (messages + events === 0) {
    ctx.err(`natter: nothing here is older than ${formatHistoryKeep(keepMs)}`);
    return;
  }
  const what = [
    `${messages} message${messages === 1 ? '' : 's'}`,
    ...(events === 0 ? [] : [`${events} group change${events === 1 ? '' : 's'}`]),
  ].join(' and ');
  ctx.out(
    `deleted ${what} kept before ${dateTime(beforeMs)} from ${conversations} conversation${conversations === 1 ? '' : 's'}`,
  );
}
