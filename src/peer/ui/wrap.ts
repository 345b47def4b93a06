/**
 * Text as rows of a terminal's width: word wrap with hard newlines (wrap), the cells of a
 * line with their offsets (lineCells) and where they break (breakRows, shared with the
 * input's own wrap). Offsets are UTF-16 indices into the text. Pure.
 */
import { unitsOf, unitWidth } from '../../util/text-width.js';

/** A wrapped line as offsets into the text it came from. */
export interface Segment {
  start: number;
  end: number;
}

/**
 * Word-wraps `text` (newlines are hard breaks): the first line gets `firstWidth`
 * columns, the others `restWidth`. Words longer than a line are broken between
 * cells; spaces at a break are dropped. Offsets are UTF-16 indices into `text`,
 * so callers can keep styled ranges (mentions) across the wrap.
 */
export function wrap(
  text: string,
  firstWidth: number,
  restWidth = firstWidth,
  maxRows = Number.POSITIVE_INFINITY,
): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  while (offset <= text.length && out.length < maxRows) {
    const nl = text.indexOf('\n', offset);
    const end = nl === -1 ? text.length : nl;
    const widthNow = (row: number) => (out.length + row === 0 ? firstWidth : restWidth);
    wrapLine(text, offset, end, widthNow, maxRows - out.length, out);
    offset = end + 1;
  }
  if (out.length > maxRows) out.length = maxRows;
  return out;
}

/**
 * Wraps text[from, end) into `out`, at most `rows` rows of it when the line is longer: only
 * as much of a long line is measured as those rows can hold (a 64 KiB message collapsed
 * under its note was measured whole: 25-40 ms each, seconds for a page of them), more
 * when its cells are wider than a column each.
 */
function wrapLine(
  text: string,
  from: number,
  end: number,
  widthNow: (row: number) => number,
  rows: number,
  out: Segment[],
): void {
  // Enough code units for `rows` rows of the widest row and the word after them.
  let take = Number.isFinite(rows) ? (rows + 1) * Math.max(widthNow(0), widthNow(1), 1) * 2 : end;
  for (;;) {
    const cut = Math.min(end, from + take);
    const found: Segment[] = [];
    wrapCells(text.slice(from, cut), from, (row) => widthNow(row), found);
    // A cut line gave its last row from a part of it: good only when the rows wanted came before.
    if (cut === end || found.length > rows) {
      for (const seg of cut === end ? found : found.slice(0, rows)) out.push(seg);
      return;
    }
    take *= 2;
  }
}

function wrapCells(
  line: string,
  base: number,
  widthNow: (row: number) => number,
  out: Segment[],
): void {
  const cells = lineCells(line, base);
  if (cells.length === 0) {
    out.push({ start: base, end: base });
    return;
  }
  for (const [first, end] of breakRows(cells, widthNow, false))
    out.push({ start: cells[first]!.start, end: cells[end - 1]!.end });
}

/** A cell of a line being wrapped, with its offsets into the text (a cell's marks travel with it). */
export interface WrapCell {
  start: number;
  end: number;
  width: number;
  space: boolean;
}

/** The cells of `line`, whose first code unit is at offset `base` of the text. */
export function lineCells(line: string, base: number): WrapCell[] {
  const cells: WrapCell[] = [];
  let pos = base;
  for (const cell of toCellsWithRaw(line)) {
    cells.push({
      start: pos,
      end: pos + cell.raw.length,
      width: cell.width,
      space: cell.raw === ' ',
    });
    pos += cell.raw.length;
  }
  return cells;
}

/**
 * Where a line's cells break into rows of at most `widthNow(row)` columns (row: the line's
 * row, from 0): each row as [first, end) cell indices. A word goes whole to the next row
 * unless it is longer than a row (then it breaks between cells; a wide cell in a
 * one-column row is taken anyway). The spaces at a break are dropped (wrap()), or with
 * `hang` kept at the end of the row before, where the input's cursor can stand on them
 * (input-wrap.ts).
 */
export function breakRows(
  cells: readonly WrapCell[],
  widthNow: (row: number) => number,
  hang: boolean,
): [number, number][] {
  const rows: [number, number][] = [];
  let i = 0;
  while (i < cells.length) {
    const width = Math.max(1, widthNow(rows.length));
    let used = 0;
    let j = i;
    let lastSpace = -1;
    while (j < cells.length && used + cells[j]!.width <= width) {
      if (cells[j]!.space) lastSpace = j;
      used += cells[j]!.width;
      j++;
    }
    if (j === i) j = i + 1;
    let end = j;
    if (j < cells.length) {
      if (hang && cells[j]!.space) end = j + 1;
      else if (!cells[j]!.space && lastSpace > i) end = hang ? lastSpace + 1 : lastSpace;
    }
    rows.push([i, end]);
    i = end;
    if (!hang) while (i < cells.length && cells[i]!.space) i++;
  }
  return rows;
}

/** Like toCells, but keeping every code unit (dropped marks included) so offsets add up. */
export function toCellsWithRaw(text: string): { raw: string; width: number }[] {
  const cells: { raw: string; width: number }[] = [];
  for (const unit of unitsOf(text)) {
    const ch = unit.text;
    const width = unitWidth(unit);
    const last = cells[cells.length - 1];
    if (width === 0) {
      if (last !== undefined) last.raw += ch;
      else cells.push({ raw: ch, width: 0 });
      continue;
    }
    cells.push({ raw: ch, width });
  }
  return cells;
}
