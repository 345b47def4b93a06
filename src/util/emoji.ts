/**
 * Emoji sequences: several code points that a terminal may draw as one picture. Terminals
 * disagree on how wide they are (tmux 3.3a, measured with its cursor_x: a flag's two
 * regional indicators one column each, a heart with U+FE0F one, a skin tone two more
 * columns, `👩🏽‍💻` four, `🫱🏻‍🫲🏿` six; xterm draws every part on its own, a family of
 * three in six; kitty, WezTerm and iTerm2 draw each sequence in two), so the chat draws
 * each sequence in a box (src/peer/ui/cell-output.ts) as wide as the widest of these
 * (emojiBoxCols in text-width.ts): no terminal draws past it, so nothing after it cuts
 * it, and the cursor is put back after the box, so what follows stays where natter
 * counted it. Pure.
 */

/**
 * The fewest columns natter gives an emoji sequence: what terminals that join them draw
 * (kitty, WezTerm, iTerm2), even where its parts add up to less (a flag, a keycap).
 */
export const EMOJI_BOX_COLS = 2;

/**
 * Pictures joined by U+200D in one sequence. Unicode's longest (a kiss or a family) have
 * four; beyond that the joiners are dropped (sanitizeJoiners), so a long chain cannot make
 * one box of a line's worth of pictures for a terminal that draws them one by one.
 */
export const MAX_JOINED_EMOJI = 4;

const ZWJ = '\u200d';
/** A picture, with a presentation selector (U+FE0F) or a skin tone after it. */
const PART = '\\p{Extended_Pictographic}(?:\\u{fe0f}|[\\u{1f3fb}-\\u{1f3ff}])?';
const FLAG = '[\\u{1f1e6}-\\u{1f1ff}]{1,2}';
const KEYCAP = '[0-9#*]\\u{fe0f}?\\u{20e3}';
const SEQUENCE = `${FLAG}|${KEYCAP}|${PART}(?:\\u{200d}${PART}){0,${MAX_JOINED_EMOJI - 1}}`;
const SEQUENCE_AT = new RegExp(SEQUENCE, 'uy');
/** A run of pictures joined by U+200D, however many. */
const JOINED_RUN = new RegExp(`${PART}(?:\\u{200d}${PART})+`, 'gu');

/**
 * The emoji sequence starting at `at` of `text` that natter draws in a box, or undefined:
 * a flag (a pair of regional indicators, or a lone one), a keycap, or a picture with a
 * presentation selector, a skin tone or pictures joined to it. A lone picture is not one:
 * its width is its own (text-width.ts).
 */
export function emojiSequenceAt(text: string, at: number): string | undefined {
  SEQUENCE_AT.lastIndex = at;
  const m = SEQUENCE_AT.exec(text);
  if (m === null) return undefined;
  const s = m[0];
  const cp = s.codePointAt(0)!;
  const lone = s.length === (cp > 0xffff ? 2 : 1);
  return lone && !(cp >= 0x1f1e6 && cp <= 0x1f1ff) ? undefined : s;
}

/**
 * Each U+200D of `text` that joins pictures in a sequence of at most MAX_JOINED_EMOJI,
 * replaced by `keep`; the others (between letters, where they could hide or change text,
 * or in a longer chain) are left for the caller's invisible-character filter.
 */
export function markEmojiJoiners(text: string, keep: string): string {
  if (!text.includes(ZWJ)) return text;
  return text.replace(JOINED_RUN, (run) =>
    run.split(ZWJ).length <= MAX_JOINED_EMOJI ? run.replaceAll(ZWJ, keep) : run,
  );
}
