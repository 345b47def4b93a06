/** The NatterError code `fn` throws (undefined if it returns): what the unit tests compare. */
import { isNatterError } from '../../src/util/errors.js';

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isNatterError(err) ? err.code : `not a NatterError: ${String(err)}`;
  }
  return undefined;
}
