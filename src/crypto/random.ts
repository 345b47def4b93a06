import { randomFillSync } from 'node:crypto';
import { CryptoCode, cryptoError } from './errors.js';

/**
 * `n` bytes from the operating system's CSPRNG. Every key, nonce, salt and id in
 * natter comes from here; nothing in src/crypto uses Math.random or tweetnacl's own
 * PRNG detection (which depends on how the module was loaded). The result owns a fresh,
 * unshared ArrayBuffer, and the type says so.
 */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw cryptoError(CryptoCode.BadArgument, `randomBytes: length must be a non-negative integer`);
  }
  return randomFillSync(new Uint8Array(n));
}
