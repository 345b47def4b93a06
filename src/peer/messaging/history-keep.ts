/**
 * How long this machine keeps history (`natter config set keep-history 90d`;
 * docs/decisions.md, "Keeping history for a time"): a setting in the profile's store,
 * for ever (none) by default. The client deletes every conversation's messages and
 * change lines kept here longer than that when it opens, when the setting changes and
 * every HISTORY_PRUNE_EVERY_MS while it runs, each conversation as deleteHistory() does
 * (history-delete.ts: my messages still in the outbox stay, the marker finishes a
 * deletion a crash cut short).
 *
 *   v1!meta!historykeep → { keepMs }
 */
import type { ConversationId } from '../conversations/ids.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export const HISTORY_KEEP_KEY = `${PREFIX.meta}historykeep`;
/** How often a running client deletes what has grown older than the setting. */
export const HISTORY_PRUNE_EVERY_MS = HOUR_MS;
/** The shortest setting: an hour (a running client prunes hourly, so less would not hold). */
export const MIN_HISTORY_KEEP_MS = HOUR_MS;
/** The longest: a hundred years, past which "for ever" says it better. */
export const MAX_HISTORY_KEEP_MS = 36_500 * DAY_MS;

/** Whether `keepMs` is a setting (null: for ever). */
export function validHistoryKeep(keepMs: number | null): boolean {
  return (
    keepMs === null ||
    (Number.isSafeInteger(keepMs) && keepMs >= MIN_HISTORY_KEEP_MS && keepMs <= MAX_HISTORY_KEEP_MS)
  );
}

/** The setting (ms), or null: history is kept for ever. A value not written by this code reads as null. */
export async function readHistoryKeep(store: PeerStore): Promise<number | null> {
  const stored = await store.getJson<{ keepMs?: unknown }>(HISTORY_KEEP_KEY);
  const keepMs = stored?.keepMs;
  return typeof keepMs === 'number' && validHistoryKeep(keepMs) ? keepMs : null;
}

export function historyKeepOps(keepMs: number | null): KvOp[] {
  return keepMs === null ? [del(HISTORY_KEEP_KEY)] : [putJson(HISTORY_KEEP_KEY, { keepMs })];
}

/**
 * The conversations with a message or a change line kept here before `beforeMs`: one
 * read of a single key per conversation (its keys sort by the time each entry was kept,
 * so the first is its oldest), then on past its keys.
 */
export async function conversationsBefore(
  store: PeerStore,
  beforeMs: number,
): Promise<ConversationId[]> {
  const found = new Set<string>();
  for (const prefix of [PREFIX.history, PREFIX.historyEvent]) {
    let from: string = prefix;
    for (;;) {
      let first: string | undefined;
      for await (const [key] of store.kv.entries({ gte: from, lt: `${prefix}\xff`, limit: 1 }))
        first = key;
      if (first === undefined) break;
      const end = first.indexOf('!', prefix.length);
      if (end < 0) break; // not a history key: nothing of this layout follows
      const hex = first.slice(prefix.length, end);
      if (first < `${prefix}${hex}!${fixedWidth(beforeMs)}`)
        found.add(Buffer.from(hex, 'hex').toString('utf8'));
      from = `${prefix}${hex}"`; // '"' sorts right after '!': past this conversation's keys
    }
  }
  return [...found] as ConversationId[];
}

/** What one pass of the setting took. */
export interface HistoryPruned {
  /** The setting it applied (null: for ever, and nothing was deleted). */
  keepMs: number | null;
  /** Entries kept here before this time went (null with keepMs null). */
  beforeMs: number | null;
  /** Conversations that lost entries. */
  conversations: number;
  messages: number;
  /** A group's change lines. */
  events: number;
  /** My messages as old, left because they are still in the outbox (still sent). */
  kept: number;
}

/** The units keep-history is said and read in: letter, name, ms (a year is 365 days). */
export const HISTORY_KEEP_UNITS: readonly (readonly [string, string, number])[] = [
  ['y', 'year', 365 * DAY_MS],
  ['w', 'week', 7 * DAY_MS],
  ['d', 'day', DAY_MS],
  ['h', 'hour', HOUR_MS],
];

/** `90 days`, `1 year`, `36 hours`, `for ever`: the largest unit the setting is whole in. */
export function formatHistoryKeep(keepMs: number | null): string {
  if (keepMs === null) return 'for ever';
  const units = HISTORY_KEEP_UNITS;
  const [, name, ms] = units.find(([, , ms]) => keepMs % ms === 0) ?? units[units.length - 1]!;
  const n = Math.round(keepMs / ms);
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}

/** What a pass took: `12 messages and 3 group changes older than 90 days`. */
export function prunedWhat(p: HistoryPruned): string {
  const plural = (n: number, one: string) =>
    `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;
  const parts = [plural(p.messages, 'message')];
  if (p.events > 0) parts.push(plural(p.events, 'group change'));
  return `${parts.join(' and ')} older than ${formatHistoryKeep(p.keepMs)}`;
}
