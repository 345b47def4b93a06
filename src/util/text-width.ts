/**
 * How many terminal columns text takes, as wcwidth()-based terminals and tmux count
 * them: East Asian Wide/Fullwidth and Emoji_Presentation characters two, combining
 * marks and other zero-width characters none, everything else one. Shared by the chat
 * screen (src/peer/ui/text.ts) and the command line's tables (src/cli).
 */
import { WIDE_RANGES } from './width-table.js';

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

/** Display width of a string in terminal columns. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += codePointWidth(ch.codePointAt(0)!);
  return width;
}
