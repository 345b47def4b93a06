/**
 * A conversation as display lines: history from the local store and the
 * screen's own notes, in time order, with day separators, wrapped to the pane,
 * own messages in their own colour with their delivery state, mentions of the
 * user highlighted. Pure: entries in, styled lines out.
 */
import {
  type GroupEventEntry,
  type HistoryEntry,
  type HistoryItem,
  isGroupEvent,
  itemTime,
  type OutgoingState,
} from '../index.js';
import { COLLAPSE_OVER_ROWS, collapsed, moreLine, tagLine } from './collapse.js';
import type { Span, StyleName } from './grid.js';
import { endsMyMembership, groupNoticeText } from './groups.js';
import type { Line } from './paint-lines.js';
import { failedReason } from './reasons.js';
import type { Note } from './state.js';
import {
  displayWidth,
  findMentions,
  messageText,
  type Segment,
  sanitize,
  truncate,
  wrap,
} from './text.js';

export { type Line, paintLines, wrapSpans } from './paint-lines.js';

/** Continuation lines start under the text, after the time. */
const INDENT = 6;
/** A long pseudonym is cut so the message keeps at least this many columns. */
const MIN_TEXT_COLS = 12;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'queued → stored on the relay → delivered', as a short mark after one's own message. */
export const STATE_MARKS: Record<OutgoingState, { text: string; style: StyleName }> = {
  queued: { text: '…', style: 'dim' },
  stored: { text: '✓', style: 'dim' },
  delivered: { text: '✓✓', style: 'ok' },
  held: { text: '! held: their key changed', style: 'warn' },
  failed: { text: '✗ not sent', style: 'error' },
};

/** Local wall-clock HH:MM. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** 'Tue 4 Mar 2025' in local time (fixed English names: no locale surprises in a terminal). */
export function dayLabel(ms: number): string {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/**
 * A received message that arrived more than this after it was sent (it waited on the relay
 * while this client was offline) shows its send time too; below it, clocks that differ a
 * little would mark every message.
 */
export const LATE_ARRIVAL_MS = 60_000;

/**
 * ' (sent 05:08)' for a message that arrived late (LATE_ARRIVAL_MS), with the day when it
 * was sent on another (' (sent Mon 3 Mar 05:08)', the year too from another year); '' else.
 */
export function sentLabel(e: HistoryEntry): string {
  if (e.direction !== 'in' || e.receivedAtMs === undefined) return '';
  if (e.receivedAtMs - e.sentAtMs <= LATE_ARRIVAL_MS) return '';
  const sent = new Date(e.sentAtMs);
  const sameYear = sent.getFullYear() === new Date(e.receivedAtMs).getFullYear();
  const day = dayKey(e.sentAtMs) === dayKey(e.receivedAtMs) ? '' : dayLabel(e.sentAtMs);
  const shown = sameYear ? day.replace(/ \d+$/, '') : day;
  return ` (sent ${shown === '' ? '' : `${shown} `}${clock(e.sentAtMs)})`;
}

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** When an entry happened on this machine's clock (the sender's shows only in sentLabel). */
export const entryTime = itemTime;

type Item = { atMs: number; entry: HistoryEntry } | { atMs: number; note: Note };

/**
 * A group change kept in history reads as the line the screen added when it came
 * (group-events.ts): `* bob removed you`, a warning's colour when it ends my membership.
 */
export function eventNote(e: GroupEventEntry, me: string): Note {
  const kind = endsMyMembership(e.notice, me) ? 'warn' : 'info';
  return { atMs: e.atMs, text: groupNoticeText(e.notice, me), kind };
}

export interface ConversationOptions {
  /** The user's pseudonym: names own messages, and is highlighted where mentioned. */
  me: string;
  width: number;
  /** The last this many received messages are new: a "new messages" line goes above them. */
  newCount?: number;
  /**
   * What is above the entries (history-view.ts): the beginning, said as such; or older
   * messages not read yet, so the first day's line says it goes on above. Neither: no line.
   */
  top?: 'beginning' | 'more' | 'unknown';
  /** What is below the entries: the newest (no line), or newer messages not read (PgDn). */
  bottom?: 'newest' | 'more';
  /** Long messages shown whole (/expand): every other is collapsed (collapse.ts). */
  expanded?: ReadonlySet<string>;
}

export function conversationLines(
  entries: readonly HistoryItem[],
  notes: readonly Note[],
  options: ConversationOptions,
): Line[] {
  const items: Item[] = [
    ...entries.map((entry) =>
      isGroupEvent(entry)
        ? { atMs: entry.atMs, note: eventNote(entry, options.me) }
        : { atMs: entryTime(entry), entry },
    ),
    ...notes.map((note) => ({ atMs: note.atMs, note })),
  ];
  // Stable: entries keep the store's order among themselves.
  items.sort((a, b) => a.atMs - b.atMs);
  const { first: firstNew, above } = firstNewItem(items, options.newCount ?? 0);
  const out: Line[] = [];
  if (options.top === 'beginning')
    out.push(centred(' beginning of the conversation ', options.width));
  let day = '';
  for (const [i, item] of items.entries()) {
    if (dayKey(item.atMs) !== day) {
      // The first day of a page read is not where that day began: older messages are above.
      const more = day === '' && options.top === 'more';
      day = dayKey(item.atMs);
      out.push(
        more
          ? centred(` ↑ older: PgUp · ${dayLabel(item.atMs)} `, options.width)
          : daySeparator(item.atMs, options.width),
      );
    }
    if (i === firstNew)
      out.push(newMessagesLine(options.width, options.top === 'more' ? above : 0));
    if ('entry' in item) out.push(...entryLines(item.entry, options));
    else out.push(...noteLines(item.note, options.width));
  }
  if (options.bottom === 'more') out.push(centred(' ↓ newer: PgDn ', options.width));
  return out;
}

/**
 * The index of the first of the last `count` received entries (-1 when none is new), and
 * how many of them are older than the page read (`above`: a trial came back to 4,980
 * unread and saw the line over the newest 200 only, as if those were all).
 */
function firstNewItem(items: readonly Item[], count: number): { first: number; above: number } {
  if (count <= 0) return { first: -1, above: 0 };
  let seen = 0;
  let first = -1;
  for (let i = items.length - 1; i >= 0 && seen < count; i--) {
    const item = items[i]!;
    if ('entry' in item && item.entry.direction === 'in') {
      seen++;
      first = i;
    }
  }
  return { first, above: count - seen };
}

/** The "new messages" lines made, known by identity (never by text a peer could write). */
const newMessagesLines = new WeakSet<Line>();

/** The index of the "new messages" line in `lines`, or -1. */
export function newMessagesAt(lines: readonly Line[]): number {
  return lines.findIndex((line) => newMessagesLines.has(line));
}

function newMessagesLine(width: number, above: number): Line {
  const more = above > 0 ? ` · ${above.toLocaleString('en-US')} more above (PgUp)` : '';
  const label = truncate(` new messages${more} `, width);
  const rest = Math.max(0, width - displayWidth(label));
  const line: Line = [
    { text: `${'─'.repeat(2)}${label}${'─'.repeat(Math.max(0, rest - 2))}`, style: 'warn' },
  ];
  newMessagesLines.add(line);
  return line;
}

function daySeparator(ms: number, width: number): Line {
  return centred(` ${dayLabel(ms)} `, width);
}

/** `text` centred in a rule across `width`. */
function centred(text: string, width: number): Line {
  const label = truncate(text, width);
  const rest = Math.max(0, width - displayWidth(label));
  const left = Math.floor(rest / 2);
  return [{ text: `${'─'.repeat(left)}${label}${'─'.repeat(rest - left)}`, style: 'separator' }];
}

function entryLines(e: HistoryEntry, { me, width, expanded }: ConversationOptions): Line[] {
  const own = e.direction === 'out';
  const time = `${clock(entryTime(e))}${sentLabel(e)} `;
  const maxName = Math.max(1, width - time.length - 2 - MIN_TEXT_COLS);
  const name = truncate(sanitize(own ? me : e.peer.pseudonym), maxName);
  const head: Span[] = [
    { text: time, style: 'dim' },
    { text: name, style: own ? 'own' : 'peer' },
    { text: ': ', style: 'dim' },
  ];
  const headWidth = displayWidth(time) + displayWidth(name) + 2;
  const text = messageText(e.text);
  const highlights = own ? [] : findMentions(text, me);
  const open = expanded?.has(e.msgId) ?? false;
  // Collapsed, only the rows that decide it are wrapped (a 64 KiB message is a thousand).
  const most = open ? Number.POSITIVE_INFINITY : COLLAPSE_OVER_ROWS + 1;
  const rows = wrap(text, Math.max(1, width - headWidth), Math.max(1, width - INDENT), most);
  const { shown, hidden } = collapsed(rows, open);
  const lines: Line[] = shown.map((seg, i) =>
    tagLine(
      [
        ...(i === 0 ? head : [{ text: ' '.repeat(INDENT), style: 'default' as const }]),
        ...styled(text, seg, highlights, 'default'),
      ],
      { msgId: e.msgId, start: seg.start },
    ),
  );
  const next = rows[shown.length];
  if (hidden > 0 && next !== undefined)
    lines.push(
      tagLine(moreLine(text, next.start, INDENT), { msgId: e.msgId, start: next.start, hidden }),
    );
  if (own) {
    const mark = STATE_MARKS[e.state ?? 'queued'];
    const reason = e.state === 'failed' ? `: ${failedReason(e.reason)}` : '';
    const suffix: Span = { text: ` ${mark.text}${reason}`, style: mark.style };
    const last = lines[lines.length - 1]!;
    const used = last.reduce((w, s) => w + displayWidth(s.text), 0);
    if (used + displayWidth(suffix.text) <= width) last.push(suffix);
    else
      lines.push([
        { text: ' '.repeat(INDENT), style: 'default' },
        { ...suffix, text: suffix.text.trimStart() },
      ]);
  }
  return lines;
}

/** The text of one wrapped segment, mentions in their own style. */
function styled(
  text: string,
  seg: Segment,
  highlights: readonly Segment[],
  base: StyleName,
): Span[] {
  const spans: Span[] = [];
  let at = seg.start;
  for (const h of highlights) {
    if (h.end <= at || h.start >= seg.end) continue;
    const from = Math.max(h.start, at);
    const to = Math.min(h.end, seg.end);
    if (from > at) spans.push({ text: text.slice(at, from), style: base });
    spans.push({ text: text.slice(from, to), style: 'mention' });
    at = to;
  }
  if (at < seg.end) spans.push({ text: text.slice(at, seg.end), style: base });
  return spans;
}

function noteLines(note: Note, width: number): Line[] {
  const style: StyleName = note.kind === 'info' ? 'system' : note.kind;
  const head = `${clock(note.atMs)} * `;
  const text = sanitize(note.text);
  return wrap(text, Math.max(1, width - displayWidth(head)), Math.max(1, width - INDENT)).map(
    (seg, i) => [
      { text: i === 0 ? head : ' '.repeat(INDENT), style: i === 0 ? 'dim' : 'default' },
      { text: text.slice(seg.start, seg.end), style },
    ],
  );
}
