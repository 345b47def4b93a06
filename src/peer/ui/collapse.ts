/**
 * Long messages drawn collapsed: their first rows and a note line saying how many
 * more there are (`… 610 more lines (/expand)`). A trial user pasted 60 KB (the limit
 * is 64 KiB) and the conversation became 625 rows of it. Lines of a message carry a
 * tag (which message, from where in its text), known by identity as the "new
 * messages" line is, never by text a peer could write; /expand and /open find their
 * message through it. Pure.
 */
import type { Line } from './paint-lines.js';
import type { Segment } from './text.js';

/**
 * Rows of a long message shown while it is collapsed: on an 80×24 terminal the pane has
 * 20 rows, so twelve and the note leave seven for what came before and after, and twelve
 * rows still say what the message is (a log, a listing, a long reply).
 */
export const COLLAPSED_ROWS = 12;
/**
 * A message taller than this many rows is collapsed. Folding a few rows under a note
 * line would save almost nothing and hide the end of an ordinary long reply.
 */
export const COLLAPSE_OVER_ROWS = 16;

/**
 * What a message's line shows: from `start` (an offset into its sanitised text) on; `hidden`
 * on the note line (rows under it: at least that many, as only those were wrapped).
 */
export interface LineTag {
  msgId: string;
  start: number;
  hidden?: number;
}

const tags = new WeakMap<Line, LineTag>();

/** `line`, known from now on as showing `t`. */
export function tagLine(line: Line, t: LineTag): Line {
  tags.set(line, t);
  return line;
}

/** The wrapped rows to draw: all of them, or the first COLLAPSED_ROWS and how many are hidden. */
export function collapsed(
  segments: readonly Segment[],
  expanded: boolean,
): { shown: readonly Segment[]; hidden: number } {
  if (expanded || segments.length <= COLLAPSE_OVER_ROWS) return { shown: segments, hidden: 0 };
  return {
    shown: segments.slice(0, COLLAPSED_ROWS),
    hidden: segments.length - COLLAPSED_ROWS,
  };
}

/**
 * The client's note under a collapsed message whose text goes on from `from`, indented
 * like its rows. It counts the message's own lines, not rows at this width (a trial saw
 * `… 688 more lines` at 140 columns and `… 1388` at 80 for one message); text that goes
 * on in one line is counted in characters.
 */
export function moreLine(text: string, from: number, indent: number): Line {
  let lines = 1;
  for (
    let i = text.indexOf('\n', from);
    i !== -1 && i < text.length - 1;
    i = text.indexOf('\n', i + 1)
  )
    lines++;
  const n = lines > 1 ? lines : [...text.slice(from)].length;
  const unit = lines > 1 ? 'line' : 'character';
  return [
    { text: ' '.repeat(indent), style: 'default' },
    {
      text: `… ${n.toLocaleString('en-US')} more ${unit}${n === 1 ? '' : 's'} (/expand)`,
      style: 'system',
    },
  ];
}

/**
 * The collapsed message /expand means with the newest line in view at `bottom`: the
 * lowest whose note line is on screen or above it (the one being read, else the nearest
 * above); null when there is none.
 */
export function collapsedAt(lines: readonly Line[], bottom: number): string | null {
  for (let i = Math.min(bottom, lines.length - 1); i >= 0; i--) {
    const t = tags.get(lines[i]!);
    if (t?.hidden !== undefined) return t.msgId;
  }
  return null;
}

/**
 * The line to put at the top of a pane `height` rows high so that message `msgId` shows
 * from its start, or, when the row holding offset `at` of its text would be below the
 * pane, from two rows above that one. -1 when the message is not among `lines`.
 */
export function lineToShow(
  lines: readonly Line[],
  msgId: string,
  at: number,
  height: number,
): number {
  let first = -1;
  let holding = -1;
  for (const [i, line] of lines.entries()) {
    const t = tags.get(line);
    if (t?.msgId !== msgId) continue;
    if (first === -1) first = i;
    if (t.start <= at && t.hidden === undefined) holding = i;
  }
  if (first === -1) return -1;
  return holding - first < height ? first : Math.max(first, holding - 2);
}

/** What message line `line` shows (tagLine()); undefined for any other line. */
export function tagOf(line: Line): LineTag | undefined {
  return tags.get(line);
}
