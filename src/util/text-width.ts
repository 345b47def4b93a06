/**
 * How many terminal columns text takes, as wcwidth()-based terminals and tmux count
 * them: East Asian Wide/Fullwidth and Emoji_Presentation characters two, combining
 * marks and other zero-width characters none, everything else one; and the cap on
 * combining marks per character. Shared by the chat screen (src/peer/ui/text.ts) and
 * the command line (src/cli): its tables, and the peer text it prints.
 */
import { EMOJI_BOX_COLS, emojiSequenceAt } from './emoji.js';
import { WIDE_RANGES } from './width-table.js';

// The UI and the command line measure and sanitise through this module alone.
export { EMOJI_BOX_COLS, emojiSequenceAt, MAX_JOINED_EMOJI, markEmojiJoiners } from './emoji.js';

/** Zero columns: combining marks (Mn, Me) and format characters (Cf) not already stripped. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;

function inWideTable(cp: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const first = WIDE_RANGES[mid * 2]!;
    const last = WIDE_RANGES[mid * 2 + 1]!;
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns a terminal gives one code point: 0, 1 or 2. */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  // Hangul Jamo medial vowels and final consonants join the preceding syllable.
  if (cp >= 0x1160 && cp <= 0x11ff) return 0;
  const ch = String.fromCodePoint(cp);
  if (ZERO_WIDTH.test(ch)) return 0;
  if (inWideTable(cp) || EMOJI_PRESENTATION.test(ch)) return 2;
  return 1;
}

const VS16 = 0xfe0f;
const isRegionalIndicator = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;

/**
 * Columns of an emoji sequence's box: its parts' columns added up as a terminal that draws
 * each part on its own does (xterm; tmux for a skin tone), a part with U+FE0F after it as
 * two (kitty, WezTerm), a regional indicator one (xterm, tmux); at least EMOJI_BOX_COLS.
 * No terminal we measured draws a sequence wider (emoji.ts), so none cuts or overlaps what
 * follows; a terminal that joins it leaves the rest of the box blank. At most
 * MAX_JOINED_EMOJI pictures with a skin tone each: 16.
 */
export function emojiBoxCols(sequence: string): number {
  let cols = 0;
  let last = 0;
  for (const ch of sequence) {
    const cp = ch.codePointAt(0)!;
    if (cp === VS16 && last === 1) {
      cols += 1;
      last = 2;
      continue;
    }
    last = isRegionalIndicator(cp) ? 1 : codePointWidth(cp);
    cols += last;
  }
  return Math.max(EMOJI_BOX_COLS, cols);
}

/** Display width of a string in terminal columns: an emoji sequence's box, or its code points'. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const unit of unitsOf(text)) width += unitWidth(unit);
  return width;
}

/** Columns of one of unitsOf's units. */
export function unitWidth(unit: { text: string; box: boolean }): number {
  return unit.box ? emojiBoxCols(unit.text) : codePointWidth(unit.text.codePointAt(0)!);
}

/**
 * Combining marks kept on one character. Beyond a few, "zalgo" text only draws
 * over the lines above and below it in many terminals.
 */
export const MAX_MARKS_PER_CELL = 4;

/** What one screen cell (or two, for a wide character) shows. */
export interface TextCell {
  /** A base character with its combining marks. */
  text: string;
  /** 1 or 2; an emoji sequence's box (emojiBoxCols) may be wider. */
  width: number;
  /**
   * An emoji sequence (emoji.ts), which terminals draw in 1 to `width` columns: the screen
   * draws it in its `width` columns and puts the cursor back after them.
   */
  box?: true;
}

/**
 * Splits text into cells: each base character with the zero-width characters
 * that follow it. Zero-width characters with nothing to attach to are dropped,
 * so they cannot combine with whatever the screen drew just before.
 */
export function toCells(text: string): TextCell[] {
  const cells: TextCell[] = [];
  let marks = 0;
  for (const unit of unitsOf(text)) {
    if (unit.box) {
      cells.push({ text: unit.text, width: emojiBoxCols(unit.text), box: true });
      marks = 0;
      continue;
    }
    const ch = unit.text;
    const width = codePointWidth(ch.codePointAt(0)!);
    if (width === 0) {
      const last = cells[cells.length - 1];
      // A joiner after a box would join what follows into it, on terminals that join.
      if (last !== undefined && marks < MAX_MARKS_PER_CELL && !/[\n\t\u200d]/.test(ch)) {
        last.text += ch;
        marks++;
      }
      continue;
    }
    cells.push({ text: ch, width });
    marks = 0;
  }
  return cells;
}

/** `text` as emoji sequences drawn in a box (emoji.ts) and single code points. */
export function* unitsOf(text: string): Generator<{ text: string; box: boolean }> {
  for (let i = 0; i < text.length; ) {
    const emoji = emojiSequenceAt(text, i);
    if (emoji !== undefined) {
      yield { text: emoji, box: true };
      i += emoji.length;
      continue;
    }
    const n = text.codePointAt(i)! > 0xffff ? 2 : 1;
    yield { text: text.slice(i, i + n), box: false };
    i += n;
  }
}

/**
 * `text` with each character's combining marks capped as toCells caps them, for a
 * stream of lines (the command line's output): newlines kept, a mark with nothing
 * before it on its line dropped.
 */
export function capMarks(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      toCells(line)
        .map((c) => c.text)
        .join(''),
    )
    .join('\n');
}

/**
 * Columns between tab stops: a terminal's default (`cat` and `less` of the same text line
 * up the same way), so a table or code pasted with tabs reads as it did where it was copied.
 */
export const TAB_STOP_COLS = 8;

/**
 * `text` with each tab replaced by the spaces to the next tab stop, counted in display
 * columns from the start of its line (newlines kept): the text's own grid, whatever
 * prefix (time, name, indent) the screen puts before it, so a peer's tabs cannot move
 * anything outside their own message. Expanding a prefix of a text gives a prefix of the
 * text expanded, so offsets map through `expandTabs(text.slice(0, at)).length`.
 */
export function expandTabs(text: string): string {
  if (!text.includes('\t')) return text;
  return text
    .split('\n')
    .map((line) => {
      let out = '';
      let col = 0;
      for (const [i, part] of line.split('\t').entries()) {
        if (i > 0) {
          const pad = TAB_STOP_COLS - (col % TAB_STOP_COLS);
          out += ' '.repeat(pad);
          col += pad;
        }
        out += part;
        col += displayWidth(part);
      }
      return out;
    })
    .join('\n');
}
