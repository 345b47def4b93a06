/**
 * The relay's display name (`--name`): one short line, checked before anything starts. It
 * used to be checked only by the beacon, after "relay listening" (exit 1), and not at all
 * with --no-presence, although clients see it in every Challenge too (QA, the relay
 * operator's trial).
 */
import { MAX_RELAY_NAME_CHARS } from '../wire/limits.js';
import { isSafeLine } from '../wire/text.js';

/** The rule, in words, for usage errors. */
export const RELAY_NAME_RULE = `one line of at most ${MAX_RELAY_NAME_CHARS} characters, with no control, bidi or zero-width characters`;

/** Why `name` cannot be the relay's name (without repeating it: it may hold escapes), or null. */
export function relayNameProblem(name: string): string | null {
  const chars = [...name].length;
  if (chars > MAX_RELAY_NAME_CHARS) return `has ${chars} characters`;
  if (!isSafeLine(name)) return 'holds a control, bidi or zero-width character';
  return null;
}
