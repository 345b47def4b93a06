/**
 * The terminal UI's own failure codes, as one union with a factory.
 */
import { errorFactory } from '../../util/errors.js';

export const UiCode = {
  Cancelled: 'E_CANCELLED',
} as const;

export type UiCodeValue = (typeof UiCode)[keyof typeof UiCode];

/** An error of this layer with its stable code. */
export const uiError = errorFactory<UiCodeValue>();
