/**
 * A tiny terminal for tests: replays what the screen wrote (cursor moves,
 * erases, text) into a grid of columns, measuring characters the way
 * wcwidth()-based terminals do, so a test can check that the bytes on the
 * wire draw the picture blessed's buffer holds. Colours and modes are ignored.
 * Emoji sequences are drawn as `emoji` says: 'joined', each in two columns (kitty,
 * WezTerm, iTerm2), or 'tmux', as tmux 3.3 draws them (measured with its cursor_x:
 * a regional indicator one column, U+FE0F none, a picture after U+200D joined to the
 * one before, a skin tone two columns of its own, at most 21 bytes kept of a cell), or 'xterm', each part on its own (a
 * regional indicator one column, U+200D and U+FE0F none, every picture its own columns).
 */

import { TMUX_CELL_BYTES } from '../../../src/peer/ui/cell-output.js';
import { codePointWidth } from '../../../src/peer/ui/text.js';
import { emojiSequenceAt } from '../../../src/util/emoji.js';

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export type EmojiDrawing = 'joined' | 'tmux' | 'xterm';

/** Columns tmux 3.3 gives a code point (see the header). */
function tmuxWidth(cp: number, afterJoiner: boolean): number {
  if (afterJoiner) return 0;
  return xtermWidth(cp);
}

/** Columns xterm gives a code point: its wcwidth, a regional indicator one. */
function xtermWidth(cp: number): number {
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return 1;
  return codePointWidth(cp);
}

export class VirtualTerminal {
  private cells: string[][];
  private x = 0;
  private y = 0;
  private saved: [number, number] = [0, 0];

  constructor(
    readonly cols: number,
    readonly rows: number,
    readonly emoji: EmojiDrawing = 'joined',
  ) {
    this.cells = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ' '));
  }

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const c = data[i]!;
      if (c === '\x1b') {
        i = this.escape(data, i);
        continue;
      }
      if (c === '\r') this.x = 0;
      else if (c === '\n') this.y = Math.min(this.rows - 1, this.y + 1);
      else if (c === '\b') this.x = Math.max(0, this.x - 1);
      else if (c >= ' ') {
        const sequence = this.emoji === 'joined' ? emojiSequenceAt(data, i) : undefined;
        const ch = sequence ?? String.fromCodePoint(data.codePointAt(i)!);
        const joined = this.emoji === 'tmux' && data[i - 1] === '\u200d';
        this.put(ch, sequence !== undefined ? 2 : this.width(ch, joined));
        i += ch.length;
        continue;
      }
      i++;
    }
  }

  /** Row y's cells from column `from` up to `to`, as text. */
  columns(y: number, from: number, to = this.cols): string {
    return (this.cells[y] ?? []).slice(from, to).join('');
  }

  lines(): string[] {
    return this.cells.map((row) => row.join(''));
  }

  private width(ch: string, afterJoiner: boolean): number {
    const cp = ch.codePointAt(0)!;
    if (this.emoji === 'tmux') return tmuxWidth(cp, afterJoiner);
    return this.emoji === 'xterm' ? xtermWidth(cp) : codePointWidth(cp);
  }

  private put(ch: string, w: number): void {
    if (w === 0) {
      const row = this.cells[this.y]!;
      const at = Math.max(0, this.x - 1);
      // tmux keeps at most 21 bytes of a cell (UTF8_SIZE); what would pass them is dropped.
      if (this.emoji === 'tmux' && utf8Bytes(`${row[at]}${ch}`) > TMUX_CELL_BYTES) return;
      row[at] = `${row[at]}${ch}`;
      return;
    }
    if (this.x + w > this.cols) return;
    const row = this.cells[this.y]!;
    // Overwriting half of a wide character erases the other half, as terminals do.
    if (row[this.x] === '' && this.x > 0) row[this.x - 1] = ' ';
    if (row[this.x + w] === '') row[this.x + w] = ' ';
    row[this.x] = ch;
    for (let c = 1; c < w; c++) row[this.x + c] = '';
    this.x += w;
  }

  private escape(data: string, start: number): number {
    const next = data[start + 1];
    if (next === '7') {
      this.saved = [this.x, this.y];
      return start + 2;
    }
    if (next === '8') {
      [this.x, this.y] = this.saved;
      return start + 2;
    }
    if (next === ']') {
      const bel = data.indexOf('\x07', start);
      const st = data.indexOf('\x1b\\', start);
      const end = bel === -1 ? st : st === -1 ? bel : Math.min(bel, st);
      return end === -1 ? data.length : end + (end === st ? 2 : 1);
    }
    if (next === '(' || next === ')') return start + 3;
    if (next !== '[') return start + 2;
    const m = /^\x1b\[([?>]?)([\d;]*)([ -/]*)([@-~])/.exec(data.slice(start));
    if (m === null) return start + 2;
    const args = m[2]!.split(';').map((a) => (a === '' ? undefined : Number(a)));
    const n = (k: number, d: number) => args[k] ?? d;
    if (m[1] === '') this.csi(m[4]!, n);
    return start + m[0].length;
  }

  private csi(final: string, n: (k: number, d: number) => number): void {
    switch (final) {
      case 'H':
      case 'f':
        this.y = Math.min(this.rows - 1, n(0, 1) - 1);
        this.x = Math.min(this.cols - 1, n(1, 1) - 1);
        break;
      case 'C':
        this.x = Math.min(this.cols - 1, this.x + n(0, 1));
        break;
      case 'D':
        this.x = Math.max(0, this.x - n(0, 1));
        break;
      case 'A':
        this.y = Math.max(0, this.y - n(0, 1));
        break;
      case 'B':
        this.y = Math.min(this.rows - 1, this.y + n(0, 1));
        break;
      case 'G':
        this.x = Math.min(this.cols - 1, n(0, 1) - 1);
        break;
      case 'd':
        this.y = Math.min(this.rows - 1, n(0, 1) - 1);
        break;
      case 'K': {
        const row = this.cells[this.y]!;
        const mode = n(0, 0);
        const [from, to] =
          mode === 0 ? [this.x, this.cols] : mode === 1 ? [0, this.x + 1] : [0, this.cols];
        for (let x = from; x < to; x++) row[x] = ' ';
        break;
      }
      case 'J':
        if (n(0, 0) === 2) {
          this.cells = Array.from({ length: this.rows }, () =>
            Array.from({ length: this.cols }, () => ' '),
          );
        }
        break;
      default:
        break;
    }
  }
}
