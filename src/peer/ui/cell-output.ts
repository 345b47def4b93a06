/**
 * What the terminal is sent for one grid cell. Most cells are their character; an emoji
 * sequence (GridCell.box) is drawn in a box: its columns blanked, the sequence drawn from
 * the box's first column, and the cursor put at the column after the box by absolute
 * position. Terminals draw such a sequence in 1 to 8 columns (util/emoji.ts), never more
 * than its box; this way nothing after it cuts it, and what follows is where natter counted
 * it on every one of them (a trial's flag left stray
 * characters after later lines in tmux). Pure.
 */
import type { GridCell } from './grid.js';

/** Autowrap off while the chat runs: a box's picture drawn wider at the last column must not wrap. */
export const AUTOWRAP_OFF = '\x1b[?7l';
export const AUTOWRAP_ON = '\x1b[?7h';

/**
 * The most bytes tmux keeps of one cell (UTF8_SIZE, tmux 3.3a): what a joined sequence adds
 * beyond it is dropped, so a family of four (25 bytes) showed three people.
 */
export const TMUX_CELL_BYTES = 21;

const encoder = new TextEncoder();

/**
 * The text sent for `cell` at column x of row y (0-based), or '' for a wide cell's right
 * half. `tmux`: inside tmux, a sequence longer than TMUX_CELL_BYTES is sent without its
 * joiners, so tmux draws each of its pictures (in the box, as wide as they add up) rather
 * than drop the last.
 */
export function cellOutput(cell: GridCell | undefined, x: number, y: number, tmux = false): string {
  if (cell === undefined) return ' ';
  if (cell.cont) return '';
  if (!cell.box) return cell.ch;
  const width = cell.wide ? (cell.cols ?? 2) : 1;
  const at = (col: number) => `\x1b[${y + 1};${col + 1}H`;
  const long = tmux && encoder.encode(cell.ch).length > TMUX_CELL_BYTES;
  const drawn = long ? cell.ch.replaceAll('\u200d', '') : cell.ch;
  return `${' '.repeat(width)}${at(x)}${drawn}${at(x + width)}`;
}

/** What a cell's output shows, for tests reading blessed's buffer: a box's sequence alone. */
export function shownText(output: string): string {
  return /^ +\x1b\[\d+;\d+H(.*)\x1b\[\d+;\d+H$/su.exec(output)?.[1] ?? output;
}

/**
 * Whether row `cells` is drawn whole each time: with a box on it, a terminal that drew the
 * picture wider than its box painted over the cells after it, which are to be drawn again.
 */
export function redrawsWhole(cells: readonly GridCell[]): boolean {
  return cells.some((c) => c.box === true);
}
