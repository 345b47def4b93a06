/**
 * The codes of src/presence's failures, as one union with a factory (the style
 * of src/relay/errors.ts).
 */
import { errorFactory } from '../util/errors.js';

export const PresenceCode = {
  BadArgument: 'E_BAD_ARGUMENT',
  BeaconStopped: 'E_BEACON_STOPPED',
  Internal: 'E_INTERNAL',
  PresenceBind: 'E_PRESENCE_BIND',
} as const;

export type PresenceCodeValue = (typeof PresenceCode)[keyof typeof PresenceCode];

/** An error of this layer with its stable code. */
export const presenceError = errorFactory<PresenceCodeValue>();
