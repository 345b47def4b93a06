/**
 * Peer text made safe and measured for a terminal. Pure: no blessed, no I/O.
 *
 * Everything a peer controls (pseudonym, message, status text) goes through
 * sanitize() before it is drawn. Widths are our own (blessed's tables are from
 * 2013 and get emoji wrong): East Asian Wide/Fullwidth and Emoji_Presentation
 * characters take two columns, combining marks and other zero-width characters
 * none, everything else one — what wcwidth()-based terminals and tmux do; an
 * emoji sequence (a flag, a skin tone, a family) as wide as the widest terminal draws
 * it, drawn in a box (util/emoji.ts).
 */
import { displayWidth, expandTabs, markEmojiJoiners, toCells } from '../../util/text-width.js';
import type { Segment } from './wrap.js';

// Shared with the command line (src/util): one width, one cap on combining marks.
export {
  codePointWidth,
  displayWidth,
  emojiSequenceAt,
  expandTabs,
  MAX_MARKS_PER_CELL,
  type TextCell,
  toCells,
} from '../../util/text-width.js';
// Peer text as rows (wrap.ts), for the modules that take everything text-shaped from here.
export {
  breakRows,
  lineCells,
  type Segment,
  toCellsWithRaw,
  type WrapCell,
  wrap,
} from './wrap.js';

/** C0 controls except tab and newline (ESC included), DEL, C1 controls. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/**
 * Invisible characters that can make one text look like another or reorder what
 * follows, as [first, last] code points: soft hyphen, combining grapheme joiner,
 * Arabic letter mark, Hangul fillers, Khmer inherent vowels, Mongolian
 * separators, zero-width space/joiners, LRM/RLM, bidi embeddings/overrides/
 * isolates, word joiner and invisible operators, Hangul filler, BOM, halfwidth
 * Hangul filler, interlinear annotations, tag characters.
 */
const INVISIBLE_RANGES: readonly [number, number][] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];
// Built from numbers: several of these are combining characters, which a regex
// literal's character class would visually attach to their neighbours.
const INVISIBLES = new RegExp(
  `[${INVISIBLE_RANGES.map(([a, b]) => `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`).join('')}]`,
  'gu',
);
/** Line and paragraph separators: newlines to a terminal-minded reader, not to the terminal. */
const SEPARATORS = /[\u2028\u2029]/g;
/** Stands for a kept joiner in sanitize(): a control character, so never in the text by then. */
const KEPT_JOINER = '\u0001';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Peer text with controls, escape sequences' introducers and invisible formatting
 * removed. One line unless `multiline` (then newlines are kept); a tab becomes a space
 * unless `keepTabs` (the input line's own text: messageText() and the input's layout
 * draw them). Every character kept stays one UTF-16 unit where it was, so an offset into
 * one form is an offset into the others.
 */
export function sanitize(
  text: string,
  options: { multiline?: boolean; keepTabs?: boolean } = {},
): string {
  // A joiner inside an emoji sequence (a family, a rainbow flag) is kept: it only makes
  // one picture of several. It is held as a control character while invisibles go.
  const clean = markEmojiJoiners(
    text.replace(LONE_SURROGATE, '\ufffd').replace(SEPARATORS, '\n').replace(CONTROLS, ''),
    KEPT_JOINER,
  )
    .replace(INVISIBLES, '')
    .replaceAll(KEPT_JOINER, '\u200d');
  const tabbed = options.keepTabs === true ? clean : clean.replace(/\t/g, ' ');
  return options.multiline ? tabbed : tabbed.replace(/\n/g, ' ');
}

/**
 * A message's text as the conversation draws it: sanitised, newlines kept, each tab
 * spaces to the next tab stop of its line (a pasted table or code keeps its columns;
 * a trial's tabs were single spaces). Never a raw tab: the screen paints cells.
 */
export function messageText(text: string): string {
  return expandTabs(sanitize(text, { multiline: true, keepTabs: true }));
}

/** Offset `at` of `sanitize(text)` (one line, a tab one space) in `messageText(text)`. */
export function messageOffset(text: string, at: number): number {
  return expandTabs(sanitize(text, { multiline: true, keepTabs: true }).slice(0, at)).length;
}

/** At most `width` columns of `text`, ending in `ellipsis` when something was cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return truncate(ellipsis, width, '');
  let out = '';
  let used = 0;
  for (const cell of toCells(text)) {
    if (used + cell.width > room) break;
    out += cell.text;
    used += cell.width;
  }
  return out + ellipsis;
}

/** Exactly `width` columns: truncated, or padded with spaces on the right. */
export function padEnd(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** Exactly `width` columns, text on the right. */
export function padStart(text: string, width: number): string {
  const cut = truncate(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}

/**
 * Names and conversation ids by the core's rules, never a copy of them (DESIGN.md
 * §1: the core hands out conversation ids): nameKey is the case-insensitive key
 * of a pseudonym, conversationIdOf the id of the 1:1 chat with a name.
 */
export {
  directConversation as conversationIdOf,
  pseudonymKey as nameKey,
} from '../index.js';

/**
 * Where `name` is mentioned in `text`, as [start, end) offsets: case-insensitive,
 * not inside a longer word.
 */
export function findMentions(text: string, name: string): Segment[] {
  if (name.length === 0) return [];
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'giu');
  return [...text.matchAll(re)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}
