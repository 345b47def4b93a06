/**
 * The terminal UI's own failure codes, as one union with a factory.
 */
import { NatterError } from '../../util/errors.js';

export const UiCode = {
  Cancelled: 'E_CANCELLED',
} as const;

export type UiCodeValue = (typeof UiCode)[keyof typeof UiCode];

/** An error of this layer with its stable code. */
export function uiError(
  code: UiCodeValue,
  message: string,
  options?: { cause?: unknown },
): NatterError<UiCodeValue> {
  return new NatterError(code, message, options);
}
