/**
 * The codes of src/presence's failures, as one union with a factory (the style
 * of src/relay/errors.ts).
 */
import { NatterError } from '../util/errors.js';

export const PresenceCode = {
  BadArgument: 'E_BAD_ARGUMENT',
  BeaconStopped: 'E_BEACON_STOPPED',
  Internal: 'E_INTERNAL',
  PresenceBind: 'E_PRESENCE_BIND',
} as const;

export type PresenceCodeValue = (typeof PresenceCode)[keyof typeof PresenceCode];

/** An error of this layer with its stable code. */
export function presenceError(
  code: PresenceCodeValue,
  message: string,
  options?: { cause?: unknown },
): NatterError<PresenceCodeValue> {
  return new NatterError(code, message, options);
}
