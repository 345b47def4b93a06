import nacl from 'tweetnacl';
import { copyBytes, toHex } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { BOX_SECRET_KEY_BYTES, isValidBoxPublicKey } from './keys.js';
import { randomBytes } from './random.js';

/**
 * Authenticated encryption that callers cannot misuse: nonces are always drawn here from the
 * CSPRNG (24 random bytes never collide in practice), and opening reports a typed failure
 * instead of throwing. Every length is checked before tweetnacl, which throws on bad sizes.
 *
 * Static box keys give no forward secrecy: whoever later steals a box secret key can open
 * every recorded message to or from it.
 */

export const NONCE_BYTES = 24;
/** Poly1305 tag prepended to every ciphertext. */
export const BOX_OVERHEAD_BYTES = 16;
export const SECRET_KEY_BYTES = 32;
/** Default number of peers whose precomputed shared key a BoxKeyring keeps. */
export const DEFAULT_BOX_CACHE_ENTRIES = 4096;

export type OpenFailure = 'bad-length' | 'bad-key' | 'forged';
export type OpenResult = { ok: true; plaintext: Uint8Array } | { ok: false; reason: OpenFailure };

export interface Sealed {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export interface BoxKeyringOptions {
  /** Peers whose shared key stays precomputed (least recently used evicted). Default 4096. */
  cacheSize?: number;
}

/**
 * Our box secret key plus a bounded cache of shared keys (nacl.box.before), because the
 * X25519 scalar multiplication dominates the cost of a small message.
 *
 * A box from A to B opens on A's side as well (A and B derive the same shared key), so a
 * relay could reflect A's message back to A as if B had sent it. This layer cannot tell;
 * the sealed envelope carries sender and recipient ids and src/peer checks them after open.
 */
export class BoxKeyring {
  readonly #secretKey: Uint8Array;
  readonly #cacheSize: number;
  readonly #shared = new Map<string, Uint8Array>();

  constructor(boxSk: Uint8Array, options: BoxKeyringOptions = {}) {
    if (!(boxSk instanceof Uint8Array) || boxSk.byteLength !== BOX_SECRET_KEY_BYTES) {
      throw cryptoError(CryptoCode.BadKey, `box: secret key must be ${BOX_SECRET_KEY_BYTES} bytes`);
    }
    const cacheSize = options.cacheSize ?? DEFAULT_BOX_CACHE_ENTRIES;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 1) {
      throw cryptoError(CryptoCode.BadArgument, 'box: cacheSize must be a positive integer');
    }
    this.#secretKey = copyBytes(boxSk);
    this.#cacheSize = cacheSize;
  }

  /** Encrypts to `theirBoxPk` under a fresh random nonce. Throws E_BAD_KEY on an invalid key. */
  seal(theirBoxPk: Uint8Array, plaintext: Uint8Array): Sealed {
    const shared = this.#sharedKey(theirBoxPk);
    if (shared === null) {
      throw cryptoError(CryptoCode.BadKey, 'box seal: recipient key is not a valid X25519 key');
    }
    const nonce = randomBytes(NONCE_BYTES);
    return { nonce, ciphertext: nacl.box.after(plaintext, nonce, shared) };
  }

  /**
   * Never throws. 'bad-key' for an invalid or low-order sender key, 'bad-length' for a wrong
   * nonce size or a ciphertext shorter than its tag, 'forged' when authentication fails.
   */
  open(theirBoxPk: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): OpenResult {
    if (!isBytes(nonce, NONCE_BYTES) || !isBytes(ciphertext, BOX_OVERHEAD_BYTES, Infinity)) {
      return { ok: false, reason: 'bad-length' };
    }
    const shared = this.#sharedKey(theirBoxPk);
    if (shared === null) return { ok: false, reason: 'bad-key' };
    const plaintext = nacl.box.open.after(ciphertext, nonce, shared);
    return plaintext === null ? { ok: false, reason: 'forged' } : { ok: true, plaintext };
  }

  /** Forgets (and zeroes) every cached shared key, e.g. at logout. */
  clear(): void {
    for (const key of this.#shared.values()) key.fill(0);
    this.#shared.clear();
  }

  #sharedKey(theirBoxPk: Uint8Array): Uint8Array | null {
    if (!isValidBoxPublicKey(theirBoxPk)) return null;
    const id = toHex(theirBoxPk);
    const cached = this.#shared.get(id);
    if (cached !== undefined) {
      // Re-insert so Map order is least recently used first.
      this.#shared.delete(id);
      this.#shared.set(id, cached);
      return cached;
    }
    const shared = nacl.box.before(theirBoxPk, this.#secretKey);
    this.#shared.set(id, shared);
    if (this.#shared.size > this.#cacheSize) {
      const oldest = this.#shared.entries().next();
      if (!oldest.done) {
        oldest.value[1].fill(0);
        this.#shared.delete(oldest.value[0]);
      }
    }
    return shared;
  }
}

/** A fresh random 32-byte key for secretSeal (group message keys, file keys). */
export function randomSecretKey(): Uint8Array {
  return randomBytes(SECRET_KEY_BYTES);
}

/** Symmetric authenticated encryption (XSalsa20-Poly1305) under a fresh random nonce. */
export function secretSeal(key32: Uint8Array, plaintext: Uint8Array): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  return { nonce, ciphertext: secretSealWithNonce(key32, nonce, plaintext) };
}

/**
 * secretSeal with a caller-built nonce, for file chunks whose nonce is a random per-file prefix
 * followed by the chunk index (so reordering is detected). The caller MUST never use a nonce
 * twice with the same key: a repeat reveals the XOR of the two plaintexts and lets an attacker
 * forge messages. Use secretSeal unless the nonce must carry meaning.
 */
export function secretSealWithNonce(
  key32: Uint8Array,
  nonce24: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  if (!isBytes(key32, SECRET_KEY_BYTES)) {
    throw cryptoError(CryptoCode.BadKey, `secretbox: key must be ${SECRET_KEY_BYTES} bytes`);
  }
  if (!isBytes(nonce24, NONCE_BYTES)) {
    throw cryptoError(CryptoCode.BadNonce, `secretbox: nonce must be ${NONCE_BYTES} bytes`);
  }
  return nacl.secretbox(plaintext, nonce24, key32);
}

/** Never throws; same failure reasons as BoxKeyring.open ('bad-key' for a wrong key size). */
export function secretOpen(
  key32: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): OpenResult {
  if (!isBytes(key32, SECRET_KEY_BYTES)) return { ok: false, reason: 'bad-key' };
  if (!isBytes(nonce, NONCE_BYTES) || !isBytes(ciphertext, BOX_OVERHEAD_BYTES, Infinity)) {
    return { ok: false, reason: 'bad-length' };
  }
  const plaintext = nacl.secretbox.open(ciphertext, nonce, key32);
  return plaintext === null ? { ok: false, reason: 'forged' } : { ok: true, plaintext };
}

function isBytes(value: unknown, minBytes: number, maxBytes = minBytes): value is Uint8Array {
  return (
    value instanceof Uint8Array && value.byteLength >= minBytes && value.byteLength <= maxBytes
  );
}
