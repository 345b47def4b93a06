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

/** The case-insensitive uniqueness key: NFKC, then Unicode lower case. */
export function pseudonymKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** C0, DEL and C1 controls, bidi overrides/isolates, zero-width characters. */
const UNSAFE_LINE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;

/** True if a one-line text (status, reason, names) holds no control or bidi characters. */
export function isSafeLine(text: string): boolean {
  return !UNSAFE_LINE_CHARS.test(text);
}
