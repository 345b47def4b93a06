/**
 * The one error base class. Every failure natter reports carries a stable `code`
 * (tests and callers branch on it, never on message text), a message naming the
 * step that failed, and `cause` when it wraps another error.
 */
export class NatterError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NatterError';
    this.code = code;
  }
}

/** True when `err` is a NatterError with the given code (or any code, if omitted). */
export function isNatterError(err: unknown, code?: string): err is NatterError {
  return err instanceof NatterError && (code === undefined || err.code === code);
}

/** A short, log-safe description of any thrown value. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof NatterError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'E_INTERNAL', message: err.message };
  }
  return { code: 'E_INTERNAL', message: String(err) };
}

/**
 * A layer's error factory, typed to its code union: `export const cryptoError =
 * errorFactory<CryptoCodeValue>()` (each layer's errors.ts declares the union).
 */
export function errorFactory<C extends string>() {
  return (code: C, message: string, options?: { cause?: unknown }): NatterError<C> =>
    new NatterError(code, message, options);
}
