/**
 * The screen as a grid of cells, painted by the pure view modules and copied to
 * the terminal by screen.ts. Owning the cells (rather than handing strings to
 * blessed widgets) is what keeps wide characters from breaking the layout and
 * what guarantees that no peer text is ever parsed as blessed tags.
 */
import { toCells } from './text.js';

/** Named styles; screen.ts maps them to colours. */
export type StyleName =
  | 'default'
  | 'dim'
  | 'bold'
  | 'title'
  | 'own'
  | 'peer'
  | 'system'
  | 'error'
  | 'warn'
  | 'ok'
  | 'mention'
  | 'unread'
  | 'selected'
  | 'statusbar'
  | 'separator'
  | 'online'
  | 'away'
  | 'busy';

export interface GridCell {
  /** What the terminal prints here: a character with its marks, or '' after a wide one. */
  ch: string;
  style: StyleName;
  /** The left half of a two-column character, or the first column of a wider box. */
  wide?: true;
  /** Columns a wide cell covers when more than two (an emoji sequence's box). */
  cols?: number;
  /** A column a wide character covers after its first: prints nothing. */
  cont?: true;
  /** An emoji sequence, drawn in a box of its columns (TextCell.box). */
  box?: true;
}

export interface Span {
  text: string;
  style: StyleName;
}

const blank = (style: StyleName = 'default'): GridCell => ({ ch: ' ', style });

export class Grid {
  readonly cells: GridCell[][];

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.cells = Array.from({ length: rows }, () => Array.from({ length: cols }, () => blank()));
  }

  /**
   * Writes sanitised text at (x, y), clipped before column `maxX` (default: the
   * grid's width). A wide character that does not fit is replaced by a space.
   * Returns the column after the last cell written.
   */
  write(x: number, y: number, text: string, style: StyleName, maxX = this.cols): number {
    const row = this.cells[y];
    if (row === undefined) return x;
    const limit = Math.min(maxX, this.cols);
    let col = x;
    for (const cell of toCells(text)) {
      if (col >= limit) break;
      if (col < 0) {
        col += cell.width;
        continue;
      }
      if (cell.width > 1 && col + cell.width > limit) {
        this.set(row, col, blank(style));
        col++;
        break;
      }
      // Cleared first, so that what the cell covers no longer belongs to another.
      for (let c = 1; c < cell.width; c++) this.set(row, col + c, blank(style));
      this.set(row, col, {
        ch: safeChar(cell.text),
        style,
        ...(cell.width > 1 ? { wide: true as const } : {}),
        ...(cell.width > 2 ? { cols: cell.width } : {}),
        ...(cell.box ? { box: true as const } : {}),
      });
      for (let c = 1; c < cell.width; c++) row[col + c] = { ch: '', style, cont: true };
      col += cell.width;
    }
    return col;
  }

  /** Writes spans one after another; returns the column after the last. */
  spans(x: number, y: number, spans: readonly Span[], maxX = this.cols): number {
    let col = x;
    for (const s of spans) col = this.write(col, y, s.text, s.style, maxX);
    return col;
  }

  /** Fills `width` cells from (x, y) with `ch` (one column wide). */
  fill(x: number, y: number, width: number, style: StyleName = 'default', ch = ' '): void {
    const row = this.cells[y];
    if (row === undefined) return;
    for (let col = Math.max(0, x); col < Math.min(this.cols, x + width); col++) {
      this.set(row, col, { ch, style });
    }
  }

  /** The text of row y as a terminal shows it (wide characters once). */
  line(y: number): string {
    return (this.cells[y] ?? []).map((c) => c.ch).join('');
  }

  /** Every row, joined by newlines, trailing spaces kept. */
  text(): string {
    return this.cells.map((_, y) => this.line(y)).join('\n');
  }

  /** The style of the cell at (x, y). */
  styleAt(x: number, y: number): StyleName | undefined {
    return this.cells[y]?.[x]?.style;
  }

  /**
   * Sets one cell, first clearing the rest of any wide character it overwrites, so a
   * partly covered wide character never reaches the terminal.
   */
  private set(row: GridCell[], col: number, cell: GridCell): void {
    const old = row[col];
    if (old?.cont || old?.wide) {
      let first = col;
      while (first > 0 && row[first]?.cont) first--;
      const head = row[first];
      const end = first + (head?.wide ? (head.cols ?? 2) : 1);
      for (let c = first; c < end; c++) {
        const other = row[c];
        if (c !== col && other !== undefined) row[c] = blank(other.style);
      }
    }
    row[col] = cell;
  }
}

/**
 * Last line of defence: a control character must never reach the terminal, even
 * if a caller forgot to sanitise.
 */
function safeChar(ch: string): string {
  return /[\u0000-\u001f\u007f-\u009f]/.test(ch) ? '?' : ch;
}
