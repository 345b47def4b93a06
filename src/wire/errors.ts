import { NatterError } from '../util/errors.js';

/**
 * Stable codes for protocol faults. A ProtocolError ends the connection (or
 * drops the datagram) that caused it, never the process.
 */
export const ProtocolCode = {
  FrameTooLarge: 'E_FRAME_TOO_LARGE',
  BadVarint: 'E_BAD_VARINT',
  Malformed: 'E_MALFORMED',
  UnknownKind: 'E_UNKNOWN_KIND',
  MissingField: 'E_MISSING_FIELD',
  BadLength: 'E_BAD_LENGTH',
  BadValue: 'E_BAD_VALUE',
  BadPseudonym: 'E_BAD_PSEUDONYM',
  TooMany: 'E_TOO_MANY',
  /** A frame kind that is not allowed in the session's current state. */
  UnexpectedFrame: 'E_UNEXPECTED_FRAME',
  BadVersion: 'E_BAD_VERSION',
} as const;

export type ProtocolCodeValue = (typeof ProtocolCode)[keyof typeof ProtocolCode];

export class ProtocolError extends NatterError {
  constructor(code: ProtocolCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}
