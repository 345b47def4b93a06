import { randomFillSync } from 'node:crypto';
import { NatterError } from '../util/errors.js';

/**
 * `n` bytes from the operating system's CSPRNG. Every key, nonce, salt and id in
 * natter comes from here; nothing in src/crypto uses Math.random or tweetnacl's own
 * PRNG detection (which depends on how the module was loaded). The result owns a fresh,
 * unshared ArrayBuffer, and the type says so.
 */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new NatterError('E_BAD_ARGUMENT', `randomBytes: length must be a non-negative integer`);
  }
  return randomFillSync(new Uint8Array(n));
}
