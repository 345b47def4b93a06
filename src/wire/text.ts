/**
 * Rules for human-visible strings that cross the wire: pseudonyms (DESIGN.md §2)
 * and one-line texts. Display code sanitises again; these rules keep the worst
 * out of the relay's directory in the first place.
 */
import {
  ANY_MARK,
  blindKey,
  codePointLabel,
  INVISIBLE,
  lookalikeKey,
  mixedScriptProblem,
  skeleton,
} from './confusables.js';
import { MAX_PSEUDONYM_CHARS } from './limits.js';

/**
 * Pseudonym characters: letters, combining marks, digits, punctuation and symbols
 * (emoji included). Excluded: controls (C0/C1), format characters (bidi overrides,
 * zero-width joiners and spaces), separators (all whitespace), private use and
 * unassigned code points. Braces and the like are allowed: the UI shows peer text
 * literally, never as markup. Marks and default-ignorable letters pass here so that
 * names registered before still decode; new names are held to invisibleProblem.
 */
const PSEUDONYM_CHAR = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * First characters a pseudonym may not have, and why (issue 8): a leading '-' makes
 * `natter send -bob` an option, '/' makes a chat line a command, '@' is how chat
 * mentions a name, '#' how the command line and chat name a group.
 */
const LEADING_PROBLEMS: ReadonlyMap<string, string> = new Map([
  ['-', "starts with '-', which a command line takes for an option"],
  ['/', "starts with '/', which chat takes for a command"],
  ['@', "starts with '@', which chat uses to mention a name"],
  ['#', "starts with '#', which names a group"],
]);

/**
 * A leading punctuation or symbol is judged by its skeleton: '‐' U+2010, '−' U+2212
 * and '∕' U+2215 read as '-' and '/' to whoever has to type the name. Letters are
 * not: Katakana 'ノ' (as in ノリコ) has '/' for a skeleton.
 */
const PUNCTUATION_OR_SYMBOL = /^[\p{P}\p{S}]$/u;

/**
 * Why a pseudonym is not a valid name on the wire, or null. Input must already be
 * NFKC. Every frame that carries a name is checked against this; it stays as it
 * was when names were first registered, so a name a relay once accepted still
 * decodes. New names must also pass newPseudonymProblem.
 */
export function pseudonymProblem(name: string): string | null {
  if (name !== name.normalize('NFKC')) return 'is not NFKC-normalised';
  const chars = [...name];
  if (chars.length === 0) return 'is empty';
  if (chars.length > MAX_PSEUDONYM_CHARS) return `is longer than ${MAX_PSEUDONYM_CHARS} characters`;
  for (const c of chars) {
    if (!PSEUDONYM_CHAR.test(c)) return `contains the disallowed character ${codePointLabel(c)}`;
  }
  return null;
}

/**
 * Why a name may not be registered now, or null (issue 8): a valid wire name
 * that does not start with '-', '/', '@' or '#' (or a punctuation look-alike of them),
 * hides nothing (invisibleProblem: no invisible characters, at most
 * MAX_MARKS_PER_CHAR stacked marks) and does not mix scripts (TR39 "highly
 * restrictive", confusables.ts). The relay
 * applies it to Register; `init` and the chat's name prompt say it before asking.
 */
export function newPseudonymProblem(name: string): string | null {
  const problem = pseudonymProblem(name);
  if (problem !== null) return problem;
  const head = [...name][0]!;
  const leading = LEADING_PROBLEMS.get(
    PUNCTUATION_OR_SYMBOL.test(head) ? skeleton(head).charAt(0) : head,
  );
  if (leading !== undefined) return leading;
  return invisibleProblem(name) ?? mixedScriptProblem(name);
}

/**
 * U+FE0F, the one variation selector a new name may hold: right after a pictograph
 * ('❤️'), where it is not invisible but asks for the emoji form of the picture. Anywhere
 * else ('alice' + U+FE0F) it draws nothing. blindKey drops it, so 'bob❤️' and 'bob❤'
 * are one name.
 */
const EMOJI_PRESENTATION = '\ufe0f';
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;

/** Nonspacing and enclosing marks: the ones that stack on a letter without taking room of their own. */
const STACKING_MARK = /^[\p{Mn}\p{Me}]$/u;

/**
 * Nonspacing or enclosing marks one character may carry in a new name (NFD, so 'ễ'
 * counts two whether typed precomposed or not). Three: Vietnamese needs two ('ệ'),
 * Tibetan three ('སྒྲོ' in སྒྲོལ་མ, Drolma), Hebrew with points three. Spacing marks
 * (\p{Mc}: Devanagari 'ि', Burmese 'ေ') take room of their own and are not counted.
 */
export const MAX_MARKS_PER_CHAR = 3;

/**
 * Why a name holds something a reader cannot see or count, or null (new names only):
 * an invisible character (INVISIBLE, but for U+FE0F after a pictograph), a combining mark with no letter before it, the
 * same mark twice on one character (it draws over itself), or more than
 * MAX_MARKS_PER_CHAR stacked marks on one. The wire rule (pseudonymProblem) stays as
 * it was, so a name registered before still decodes and its holder keeps it.
 */
export function invisibleProblem(name: string): string | null {
  let previous = '';
  for (const c of name) {
    if (INVISIBLE.test(c) && !(c === EMOJI_PRESENTATION && PICTOGRAPH.test(previous))) {
      return `contains the invisible character ${codePointLabel(c)}`;
    }
    previous = c;
  }
  let stacked = 0;
  let seen = new Set<string>();
  let base: string | null = null;
  for (const c of name.normalize('NFD')) {
    if (!ANY_MARK.test(c)) {
      base = c;
      stacked = 0;
      seen = new Set();
      continue;
    }
    if (base === null) return `starts with the combining mark ${codePointLabel(c)}`;
    if (seen.has(c)) return `repeats the mark ${codePointLabel(c)} on one character`;
    seen.add(c);
    if (STACKING_MARK.test(c) && ++stacked > MAX_MARKS_PER_CHAR) {
      return `stacks more than ${MAX_MARKS_PER_CHAR} marks on ${codePointLabel(base)}`;
    }
  }
  return null;
}

/** What a user typed, in the form the relay stores: NFKC. */
export function normalizePseudonym(name: string): string {
  return name.normalize('NFKC');
}

/**
 * The case-insensitive key of a name, under which clients file contacts,
 * conversations and the outbox (stored keys: it must never change). JavaScript
 * has no full case fold, and a plain toLowerCase leaves pairs apart ('ΣΑΣ' vs
 * 'σασ', 'STRASSE' vs 'straße'); lower → upper → lower maps every case variant of
 * a name to one key, checked over every accepted code point
 * (test/unit/wire/text.test.ts). Look-alike names are kept apart by the relay,
 * which refuses them at registration (lookalikeKey).
 */
export function pseudonymKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * The relay's uniqueness key: names that differ only in case, compatibility form
 * ('ａｌｉｃｅ') or TR39 confusables ('аlice' with a Cyrillic 'а', 'aIice', 'rn'
 * for 'm') get one key, so only one identity can hold any of them (issue 8). See
 * confusables.ts for how the case fold and the skeleton are ordered. An index
 * key, not a display form ('alice' keys as 'allce').
 */
export { blindKey, lookalikeKey };

/**
 * C0, DEL and C1 controls, the Arabic letter mark and other bidi marks,
 * overrides and isolates, zero-width characters, line/paragraph separators,
 * and the invisible tag characters.
 */
const UNSAFE_LINE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

/** True if a one-line text (status, reason, names) holds no control or bidi characters. */
export function isSafeLine(text: string): boolean {
  return !UNSAFE_LINE_CHARS.test(text);
}
