/**
 * Passphrase sealing for the key file: scrypt derives a secretbox key from the
 * NFKC-normalised passphrase; salt and nonce are chosen here, never by callers.
 * Knows nothing of the file's layout (keyfile-format.ts) or of files at all.
 */

import { scrypt } from 'node:crypto';
import nacl from 'tweetnacl';
import { NONCE_BYTES, SECRET_KEY_BYTES } from './box.js';
import { CryptoCode, cryptoError } from './errors.js';
import { randomBytes } from './random.js';

/** scrypt cost for new files: 32 MiB and ~100-200 ms. Stored per file, so it can be raised later. */
export const SCRYPT_N = 32768;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
/** Upper bound on the scrypt memory a file may ask for, so a hostile file cannot exhaust RAM. */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
/**
 * Largest N·r·p a key file may ask for: 16x the cost we seal with. The memory
 * bound alone lets N·p reach 10^12 with r = 1 (hours of CPU); issue 10.
 */
export const MAX_SCRYPT_WORK = 16 * SCRYPT_N * SCRYPT_R * SCRYPT_P;
export const SALT_BYTES = 16;
/** A sealed box is at least its authenticator: anything shorter cannot open. */
export const MIN_SEALED_BOX_BYTES = nacl.secretbox.overheadLength;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Secret bytes sealed under a passphrase, with what it takes to open them again. */
export interface SealedSecrets extends ScryptParams {
  salt: Uint8Array;
  nonce: Uint8Array;
  box: Uint8Array;
}

/**
 * True for parameters a file may ask for: N a power of two (>= 2), within the
 * memory bound. Callers check first that all three are positive integers.
 */
export function scryptParamsAllowed(params: ScryptParams): boolean {
  const { N, r, p } = params;
  // The memory bound comes first: it keeps N small enough for the 32-bit power-of-two test.
  return (
    scryptMemoryBytes(params) <= MAX_SCRYPT_MEMORY_BYTES &&
    N * r * p <= MAX_SCRYPT_WORK &&
    N >= 2 &&
    (N & (N - 1)) === 0
  );
}

/** Seals `plaintext` (the caller zeroes it) under a fresh salt and nonce at the current cost. */
export async function sealSecrets(
  plaintext: Uint8Array,
  passphrase: string,
): Promise<SealedSecrets> {
  const params = { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P };
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(passphrase, salt, params);
  const box = nacl.secretbox(plaintext, nonce, key);
  key.fill(0);
  return { ...params, salt, nonce, box };
}

/** The sealed plaintext (the caller zeroes it), or null when the passphrase is wrong. */
export async function openSealedSecrets(
  sealed: SealedSecrets,
  passphrase: string,
): Promise<Uint8Array | null> {
  const key = await deriveKey(passphrase, sealed.salt, sealed);
  const opened = nacl.secretbox.open(sealed.box, sealed.nonce, key);
  key.fill(0);
  return opened;
}

// OpenSSL needs 128*r*(N+p+2) bytes for scrypt.
function scryptMemoryBytes({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + p + 2);
}

async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const { N, r, p } = params;
  // The slack avoids an off-by-a-little refusal.
  const maxmem = scryptMemoryBytes(params) + 1024 * 1024;
  const password = Buffer.from(passphrase.normalize('NFKC'), 'utf8');
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      scrypt(password, salt, SECRET_KEY_BYTES, { N, r, p, maxmem }, (err, key) => {
        if (err) reject(cryptoError(CryptoCode.Kdf, 'key file: scrypt failed', { cause: err }));
        else resolve(new Uint8Array(key));
      });
    });
  } finally {
    password.fill(0);
  }
}
