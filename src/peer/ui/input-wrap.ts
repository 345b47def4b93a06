/**
 * The input's text laid out in rows of the input box, and where the cursor is among them.
 * Pure. A long line wraps at a space (the space stays at the end of its row, where the
 * cursor can stand on it), a word longer than a row breaks between cells; newlines are
 * hard breaks. Widths are the display widths the rest of the screen uses (text.ts): a
 * wide character never straddles two rows. A trial user's long message wrapped in the
 * middle of its words, which the conversation never does (text.ts wrap()).
 */
import { breakRows, displayWidth, expandTabs, lineCells } from './text.js';

export interface InputView {
  /** Text of each row, after `indent` columns (the prompt on the first row). */
  rows: string[];
  indent: number;
  cursorRow: number;
  cursorCol: number;
}

/** One row as offsets into the text; `last`: the last row of its line (a newline or the end follows). */
export interface InputRow {
  start: number;
  end: number;
  last: boolean;
}

/**
 * `text` in rows of `room` columns. A space that meets the edge hangs after the row
 * (it is not moved to the start of the next one, where it would push the word over).
 */
export function inputRows(text: string, room: number): InputRow[] {
  const rows: InputRow[] = [];
  let base = 0;
  for (const line of text.split('\n')) {
    lineRows(line, base, Math.max(1, room), rows);
    base += line.length + 1;
  }
  return rows;
}

function lineRows(line: string, base: number, room: number, out: InputRow[]): void {
  const cells = lineCells(line, base);
  if (cells.length === 0) {
    out.push({ start: base, end: base, last: true });
    return;
  }
  for (const [first, end] of breakRows(cells, () => room, true))
    out.push({ start: cells[first]!.start, end: cells[end - 1]!.end, last: end === cells.length });
}

/**
 * The text in rows of `width` columns after a prompt of `promptWidth` columns (later rows
 * are indented to line up with the first), and where the cursor at `cursor` (a UTF-16
 * offset) is. At a wrap the cursor is at the start of the next row, where what is typed
 * goes; at the end of a full row, on a new empty one. A pasted tab is drawn as the
 * conversation will draw it, spaces to its line's next tab stop (never a raw tab, which
 * would move the terminal's cursor behind the screen's back); the cursor after it stands
 * after its spaces.
 */
export function layoutInput(
  raw: string,
  rawCursor: number,
  width: number,
  promptWidth: number,
): InputView {
  const text = expandTabs(raw);
  const cursor = text === raw ? rawCursor : expandTabs(raw.slice(0, rawCursor)).length;
  const indent = Math.min(promptWidth, Math.max(0, width - 2));
  const room = Math.max(1, width - indent);
  const rows = inputRows(text, room);
  let cursorRow = rows.findIndex(
    (r) => cursor >= r.start && (cursor < r.end || (cursor === r.end && r.last)),
  );
  if (cursorRow === -1) cursorRow = rows.length - 1;
  const row = rows[cursorRow]!;
  let cursorCol = indent + displayWidth(text.slice(row.start, Math.min(cursor, row.end)));
  const shown = rows.map((r) => text.slice(r.start, r.end));
  if (cursor >= text.length && cursorCol >= width) {
    shown.push('');
    cursorRow = shown.length - 1;
    cursorCol = indent;
  }
  return { rows: shown, indent, cursorRow, cursorCol };
}
