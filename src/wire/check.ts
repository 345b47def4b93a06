/**
 * Validation helpers for decoded protobuf values. A decode proves little: fields
 * may be absent, empty, the wrong size or out of range (STYLE.md §2). Each helper
 * returns an owned, checked value or throws a coded ProtocolError naming the field.
 */
import { copyBytes } from '../util/bytes.js';
import { ProtocolCode, ProtocolError } from './errors.js';
import { isSafeLine, pseudonymProblem } from './text.js';

/** Exactly `len` bytes, copied (decoders hand out views into frame buffers). */
export function exactBytes(field: string, value: unknown, len: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  }
  if (value.length !== len) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      `decode: ${field} is ${value.length} bytes, expected ${len}`,
    );
  }
  return copyBytes(value);
}

/** Between min and max bytes, copied. */
export function boundedBytes(field: string, value: unknown, min: number, max: number): Uint8Array {
  const len = value instanceof Uint8Array ? value.length : 0;
  if (len === 0 && min > 0) {
    throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  }
  if (len < min || len > max) {
    throw new ProtocolError(
      ProtocolCode.BadLength,
      `decode: ${field} is ${len} bytes, expected ${min}..${max}`,
    );
  }
  return copyBytes(value as Uint8Array);
}

/** A non-negative integer within Number.MAX_SAFE_INTEGER (uint64 fields may decode as Long). */
export function uint(field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  let n: number;
  if (value === undefined || value === null) n = 0;
  else if (typeof value === 'number') n = value;
  else if (typeof value === 'object' && 'high' in value && 'low' in value) {
    const { high, low } = value as { high: number; low: number };
    n = (high >>> 0) * 2 ** 32 + (low >>> 0);
  } else {
    throw new ProtocolError(ProtocolCode.BadValue, `decode: ${field} is not a number`);
  }
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new ProtocolError(ProtocolCode.BadValue, `decode: ${field} is out of range`);
  }
  return n;
}

/** A string of at most maxChars code points; one line (no controls, no bidi) unless multiline. */
export function text(
  field: string,
  value: unknown,
  maxChars: number,
  options: { required?: boolean; multiline?: boolean } = {},
): string {
  const s = typeof value === 'string' ? value : '';
  if (options.required && s.length === 0) {
    throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  }
  // Cheap bound first: a code point is at most 2 UTF-16 units.
  if (s.length > maxChars * 2 || [...s].length > maxChars) {
    throw new ProtocolError(ProtocolCode.BadLength, `decode: ${field} is longer than ${maxChars}`);
  }
  if (!options.multiline && !isSafeLine(s)) {
    throw new ProtocolError(ProtocolCode.BadValue, `decode: ${field} contains control characters`);
  }
  return s;
}

export function pseudonym(field: string, value: unknown): string {
  const s = typeof value === 'string' ? value : '';
  const problem = pseudonymProblem(s);
  if (problem !== null) {
    throw new ProtocolError(ProtocolCode.BadPseudonym, `decode: ${field} ${problem}`);
  }
  return s;
}

/** An enum value from a table, or a coded error (unknown enum numbers are rejected). */
export function enumValue<T>(field: string, value: unknown, table: readonly T[]): T {
  const n = value === undefined || value === null ? 0 : value;
  const out = typeof n === 'number' ? table[n] : undefined;
  if (out === undefined) {
    throw new ProtocolError(
      ProtocolCode.BadValue,
      `decode: ${field} has unknown value ${String(n)}`,
    );
  }
  return out;
}

export function count<T>(field: string, value: T[] | null | undefined, max: number): T[] {
  const list = value ?? [];
  if (list.length > max) {
    throw new ProtocolError(ProtocolCode.TooMany, `decode: ${field} has more than ${max} entries`);
  }
  return list;
}

/**
 * Runs a generated decoder over untrusted bytes: whatever it throws (truncation, a
 * bad wire type, depth) becomes one coded Malformed error. The decoder is passed by
 * reference, so no closure is allocated per frame.
 */
export function parse<T>(what: string, decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch (err) {
    throw new ProtocolError(ProtocolCode.Malformed, `decode: ${what} is not valid protobuf`, {
      cause: err,
    });
  }
}

export function required<T>(field: string, value: T | null | undefined): T {
  if (value === null || value === undefined) {
    throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  }
  return value;
}
