/**
 * Rules for human-visible strings that cross the wire: pseudonyms (DESIGN.md §2)
 * and one-line texts. Display code sanitises again; these rules keep the worst
 * out of the relay's directory in the first place.
 */
import { MAX_PSEUDONYM_CHARS } from './limits.js';

/**
 * Pseudonym characters: letters, combining marks, digits, punctuation and symbols
 * (emoji included). Excluded: controls (C0/C1), format characters (bidi overrides,
 * zero-width joiners and spaces), separators (all whitespace), private use and
 * unassigned code points. Braces and the like are allowed: the UI shows peer text
 * literally, never as markup.
 */
const PSEUDONYM_CHAR = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Why a pseudonym is refused, or null if it is acceptable. Input must already be NFKC. */
export function pseudonymProblem(name: string): string | null {
  if (name !== name.normalize('NFKC')) return 'is not NFKC-normalised';
  const chars = [...name];
  if (chars.length === 0) return 'is empty';
  if (chars.length > MAX_PSEUDONYM_CHARS) return `is longer than ${MAX_PSEUDONYM_CHARS} characters`;
  for (const c of chars) {
    if (!PSEUDONYM_CHAR.test(c)) {
      return `contains the disallowed character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return null;
}

/** What a user typed, in the form the relay stores: NFKC. */
export function normalizePseudonym(name: string): string {
  return name.normalize('NFKC');
}

/**
 * The case-insensitive uniqueness key. JavaScript has no full case fold, and a
 * plain toLowerCase leaves pairs apart ('ΣΑΣ' vs 'σασ', 'STRASSE' vs 'straße');
 * lower → upper → lower maps every case variant of a name to one key, checked
 * over every accepted code point (test/unit/wire/text.test.ts).
 */
export function pseudonymKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

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
