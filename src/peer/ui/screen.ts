/**
 * The terminal, through blessed: raw mode, the alternate screen, key parsing,
 * resize events and minimal redraws. The picture itself comes from our Grid,
 * copied cell by cell into blessed's screen buffer, so blessed never parses tags
 * in peer text and never measures a string (its width tables predate most emoji).
 * The only module, with app.ts's caller, that knows blessed exists.
 */
import { StringDecoder } from 'node:string_decoder';
import type blessed from 'blessed';
import { AltReturnJoiner } from './alt-return.js';
import { AUTOWRAP_OFF, AUTOWRAP_ON, cellOutput, redrawsWhole, shownText } from './cell-output.js';
import type { Grid, StyleName } from './grid.js';
import { type CellStyle, colourDepth, stylesFor } from './palette.js';
import { looksPasted } from './pastes.js';
import type { BlessedTerminalOptions } from './screen-options.js';

export type { BlessedTerminalOptions };

export interface KeyPress {
  /** blessed's key name: 'a', 'return', 'tab', 'pageup', 'escape', ... */
  name: string | undefined;
  /** The character typed, for printable keys. */
  ch: string | undefined;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
}

/** What app.ts needs from a terminal. */
export interface Terminal {
  readonly cols: number;
  readonly rows: number;
  draw(grid: Grid, cursor: { x: number; y: number }): void;
  onKey(listener: (key: KeyPress) => void): void;
  /** Pasted text, delivered whole (newlines included) instead of as keys. */
  onPaste(listener: (text: string) => void): void;
  onResize(listener: () => void): void;
  bell(): void;
  /** An OSC notification sequence (built and sanitised by notify.ts). */
  osc(sequence: string): void;
  destroy(): void;
}

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** blessed's screen buffer: rows of [attribute, character] cells (not in @types/blessed). */
type Cells = Array<Array<[number, string]> & { dirty?: boolean }>;
interface ScreenBuffers {
  lines: Cells;
  olines: Cells;
}

export class BlessedTerminal implements Terminal {
  readonly screen: blessed.Widgets.Screen;
  private readonly painter: blessed.Widgets.BoxElement;
  private grid: Grid | null = null;
  private readonly attrs = new Map<StyleName, number>();
  private keyListeners: ((key: KeyPress) => void)[] = [];
  private pasteListeners: ((text: string) => void)[] = [];
  private pasting = false;
  private pasted = '';
  private swallowKeys = false;
  private highSurrogate = '';
  private readonly altReturn = new AltReturnJoiner();
  private destroyed = false;
  private readonly styles: Record<StyleName, CellStyle>;

  /** `lib`: blessed itself, loaded by openTerminal when a screen opens (not at start-up). */
  constructor(
    private readonly options: BlessedTerminalOptions,
    lib: typeof blessed,
  ) {
    this.screen = lib.screen({
      ...(options.input ? { input: options.input } : {}),
      ...(options.output ? { output: options.output } : {}),
      ...(options.terminal ? { terminal: options.terminal } : {}),
      smartCSR: true,
      fullUnicode: false,
      forceUnicode: true,
      warnings: false,
      autoPadding: false,
      title: 'natter',
    } as unknown as blessed.Widgets.IScreenOptions);
    this.painter = lib.box({ top: 0, left: 0, width: '100%', height: '100%' });
    // Our render replaces the box's: copy the grid into the screen buffer.
    (this.painter as unknown as { render: () => void }).render = () => this.paint();
    this.screen.append(this.painter);
    const program = this.screen.program;
    const { terminal, tput } = program as unknown as { terminal: string; tput: { colors: number } };
    tput.colors = colourDepth(terminal, options.colorTerm, tput.colors);
    this.styles = stylesFor(tput.colors);
    // The terminal takes UTF-8 (forceUnicode): draw line characters as they are,
    // never through the VT100 alternate character set ('│' as 'x', '·' as '~').
    (program as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
    // A chunk may end inside a UTF-8 sequence: decode across chunks.
    const decoder = new StringDecoder('utf8');
    program.on('data', (data: Buffer | string) =>
      this.onData(typeof data === 'string' ? data : decoder.write(data)),
    );
    this.screen.on(
      'keypress',
      (ch: string | undefined, key?: blessed.Widgets.Events.IKeyEventArg) =>
        this.onKeypress(ch, key),
    );
    program.write(`\x1b[?2004h${AUTOWRAP_OFF}`); // bracketed paste on
  }

  get cols(): number {
    return this.screen.cols;
  }

  get rows(): number {
    return this.screen.rows;
  }

  draw(grid: Grid, cursor: { x: number; y: number }): void {
    if (this.destroyed) return;
    this.grid = grid;
    this.screen.render();
    this.screen.program.cup(cursor.y, cursor.x);
    this.screen.program.showCursor();
  }

  onKey(listener: (key: KeyPress) => void): void {
    this.keyListeners.push(listener);
  }

  onPaste(listener: (text: string) => void): void {
    this.pasteListeners.push(listener);
  }

  onResize(listener: () => void): void {
    this.screen.on('resize', listener);
  }

  bell(): void {
    if (!this.destroyed) this.screen.program.bell();
  }

  osc(sequence: string): void {
    if (this.destroyed) return;
    const out = this.options.tmux
      ? `\x1bPtmux;${sequence.replace(/\x1b/g, '\x1b\x1b')}\x1b\\`
      : sequence;
    (this.screen.program as unknown as { _write(s: string): void })._write(out);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.screen.program.write(`\x1b[?2004l${AUTOWRAP_ON}`);
    this.screen.destroy();
  }

  /** The screen buffer as text, one string per row (tests). */
  lines(): string[] {
    return (this.screen as unknown as ScreenBuffers).lines.map((row) =>
      row.map((c) => shownText(c[1])).join(''),
    );
  }

  private onKeypress(ch: string | undefined, key?: blessed.Widgets.Events.IKeyEventArg): void {
    if (this.swallowKeys || key === undefined) return;
    // blessed reports Enter twice ('enter', then 'return'); keep one.
    if (key.name === 'enter') return;
    const joined = this.altReturn.key(key.name, key.sequence);
    if (joined === 'hold') return;
    if (joined === 'alt-return') key = { ...key, name: 'return', meta: true };
    // blessed splits a character outside the BMP (most emoji) into two "keys",
    // one per UTF-16 half: put it back together.
    let typed = ch;
    if (typed !== undefined && /^[\ud800-\udbff]$/.test(typed)) {
      this.highSurrogate = typed;
      return;
    }
    if (typed !== undefined && /^[\udc00-\udfff]$/.test(typed) && this.highSurrogate !== '') {
      typed = this.highSurrogate + typed;
    }
    this.highSurrogate = '';
    const press = keyPressOf(key, typed);
    for (const l of this.keyListeners) l(press);
  }

  private paint(): void {
    const grid = this.grid;
    if (grid === null) return;
    const { lines, olines } = this.screen as unknown as ScreenBuffers;
    for (let y = 0; y < Math.min(grid.rows, lines.length); y++) {
      const line = lines[y]!;
      const old = olines[y];
      const cells = grid.cells[y]!;
      const whole = redrawsWhole(cells);
      for (let x = 0; x < line.length; x++) {
        const cell = cells[x];
        const attr = cell === undefined ? this.attr('default') : this.attr(cell.style);
        const ch = cellOutput(cell, x, y, this.options.tmux === true);
        const slot = line[x]!;
        if (slot[0] !== attr || slot[1] !== ch) {
          slot[0] = attr;
          slot[1] = ch;
          line.dirty = true;
        }
        // blessed moves its idea of the cursor one column per cell; a wide
        // character moves the real one two. Drawing both halves together, every
        // time, keeps the two in step (the right half prints nothing).
        if ((whole || cell?.wide || cell?.cont) && old?.[x]) old[x]![1] = '\u0000';
      }
    }
  }

  private attr(style: StyleName): number {
    let a = this.attrs.get(style);
    if (a === undefined) {
      a = (this.painter as unknown as { sattr(s: object): number }).sattr(this.styles[style]);
      this.attrs.set(style, a);
    }
    return a;
  }

  /**
   * Raw input, seen before blessed turns it into keys. Bracketed paste (and, for
   * terminals without it, guessPastes, a chunk with a line break or a tab inside it) is taken
   * whole, so a pasted newline does not send a half message and a pasted tab is not a Tab
   * key (completion); blessed's keys for that chunk are swallowed.
   */
  private onData(data: string): void {
    this.altReturn.chunk(data);
    let s = data;
    if (!this.pasting && !s.includes(PASTE_START)) {
      if (this.options.guessPastes === true && looksPasted(s)) {
        this.swallow();
        this.emitPaste(s.replace(/[\r\n]+$/, ''));
      }
      return;
    }
    this.swallow();
    while (s.length > 0) {
      if (!this.pasting) {
        const start = s.indexOf(PASTE_START);
        if (start === -1) break;
        this.pasting = true;
        s = s.slice(start + PASTE_START.length);
      }
      const end = s.indexOf(PASTE_END);
      if (end === -1) {
        this.pasted += s;
        break;
      }
      this.pasted += s.slice(0, end);
      s = s.slice(end + PASTE_END.length);
      this.pasting = false;
      this.emitPaste(this.pasted.replace(/\r\n?/g, '\n').replace(/\n$/, ''));
      this.pasted = '';
    }
  }

  /** Drops the keys blessed is about to emit for the current chunk. */
  private swallow(): void {
    this.swallowKeys = true;
    queueMicrotask(() => {
      this.swallowKeys = this.pasting;
    });
  }

  private emitPaste(text: string): void {
    for (const l of this.pasteListeners) l(text);
  }
}

/**
 * A blessed key event as natter's KeyPress. blessed names Alt-Enter, as most terminals
 * send it (ESC CR, tmux's M-Enter), nothing at all: it is Alt-Return here, a new line in
 * the message (keys.ts), as docs/chat.md says (a trial's Alt-Enter sent the message).
 */
export function keyPressOf(
  key: Omit<KeyPress, 'ch'> & { sequence?: string },
  typed: string | undefined,
): KeyPress {
  if (key.sequence === '\x1b\r') {
    return { name: 'return', ch: undefined, ctrl: false, meta: true, shift: false };
  }
  return { name: key.name, ch: typed, ctrl: key.ctrl, meta: key.meta, shift: key.shift };
}

/**
 * A terminal on blessed, loaded now: other commands import the UI's index for its prompts
 * and never pay for blessed's 46 modules.
 */
export async function openTerminal(options: BlessedTerminalOptions = {}): Promise<BlessedTerminal> {
  return new BlessedTerminal(options, (await import('blessed')).default);
}
