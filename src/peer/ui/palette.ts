/**
 * The colours of the named styles, and how many colours the terminal has. blessed
 * takes the count from terminfo, whose entries for tmux-256color and
 * screen-256color it reads as 8 colours; and it reduces gray (colour 8) on 8
 * colours to black (colour 0), which a trial saw as invisible timestamps and
 * separators inside tmux on a dark terminal.
 */
import type { StyleName } from './grid.js';

export interface CellStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

/** Colours below which gray is not drawn (it would become black: see stylesFor). */
const MIN_COLOURS_FOR_GRAY = 16;

/**
 * How many colours to draw with: 256 when $TERM says so (a name ending in
 * `-256color`, whatever terminfo blessed read) or $COLORTERM announces truecolor
 * (`truecolor`, `24bit`: the convention of terminals that set it), else what
 * terminfo says (`terminfoColours`, blessed's `tput.colors`).
 */
export function colourDepth(
  term: string | undefined,
  colorTerm: string | undefined,
  terminfoColours: number,
): number {
  const named = /-256colou?r$/i.test(term ?? '');
  const truecolor = /^(truecolor|24bit)$/i.test(colorTerm ?? '');
  return named || truecolor ? Math.max(256, terminfoColours) : terminfoColours;
}

/**
 * The styles for a terminal of `colours` colours. Dim text (times, separators,
 * member counts) is gray; with fewer than 16 colours gray would be reduced to
 * black, invisible on a dark background, so there it takes the terminal's own
 * foreground: plainer, but readable on any background.
 */
export function stylesFor(colours: number): Record<StyleName, CellStyle> {
  const gray: CellStyle = colours >= MIN_COLOURS_FOR_GRAY ? { fg: 'gray' } : {};
  return {
    default: {},
    dim: gray,
    bold: { bold: true },
    title: { bold: true },
    own: { fg: 'green', bold: true },
    peer: { fg: 'cyan', bold: true },
    system: { fg: 'magenta' },
    error: { fg: 'red', bold: true },
    warn: { fg: 'yellow' },
    ok: { fg: 'green' },
    mention: { fg: 'black', bg: 'yellow', bold: true },
    unread: { bold: true, underline: false },
    selected: { inverse: true },
    statusbar: { fg: 'white', bg: 'blue' },
    separator: gray,
    online: { fg: 'green' },
    away: { fg: 'yellow' },
    busy: { fg: 'red' },
  };
}
