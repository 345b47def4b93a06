import { createHash, hash } from 'node:crypto';
import { toHex } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { SIGN_PUBLIC_KEY_BYTES } from './sign.js';

/**
 * Safety numbers, computed like Signal's NumericFingerprintGenerator (version 0), so users
 * who know Signal's screen know what to do with ours. For each user id (the Ed25519 key, which
 * is also its own stable identifier):
 *
 *   hash = SHA-512(0x00 0x00 || key || key)      // version, key, identifier
 *   repeat 5199 more times: hash = SHA-512(hash || key)
 *
 * The first 30 bytes give six 5-byte big-endian chunks, each shown as (chunk mod 100000) in
 * five digits: 30 digits per key. The two halves are concatenated in bytewise key order, so
 * both sides see the same 60 digits, printed as 12 groups of 5. The iterations make finding a
 * key whose half collides with a target ~5200x more expensive.
 *
 * Differences from Signal: keys are 32 raw bytes (no 0x05 type prefix), and halves are ordered
 * by key bytes rather than by digit strings.
 */

export const SAFETY_NUMBER_ITERATIONS = 5200;
const VERSION = new Uint8Array([0, 0]);
const DIGIT_CHUNKS = 6;
const CHUNK_BYTES = 5;
const SHA512_BYTES = 64;
/** Halves kept per key: each costs ~10 ms to compute here, and one side is always our own key. */
const HALF_CACHE_ENTRIES = 256;

const halves = new Map<string, string>();

/** 60 digits as 12 groups of 5, the same whichever order the two user ids are passed in. */
export function safetyNumber(userIdA: Uint8Array, userIdB: Uint8Array): string {
  for (const id of [userIdA, userIdB]) {
    if (id.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
      throw cryptoError(
        CryptoCode.BadKey,
        `safety number: user id must be ${SIGN_PUBLIC_KEY_BYTES} bytes`,
      );
    }
  }
  const [first, second] =
    Buffer.compare(userIdA, userIdB) <= 0 ? [userIdA, userIdB] : [userIdB, userIdA];
  const digits = halfFor(first) + halfFor(second);
  return (digits.match(/.{5}/g) ?? []).join(' ');
}

function halfFor(key: Uint8Array): string {
  const id = toHex(key);
  const cached = halves.get(id);
  if (cached !== undefined) return cached;
  const half = digitsOf(iteratedHash(key));
  halves.set(id, half);
  if (halves.size > HALF_CACHE_ENTRIES) {
    const oldest = halves.keys().next();
    if (!oldest.done) halves.delete(oldest.value);
  }
  return half;
}

function iteratedHash(key: Uint8Array): Buffer {
  // One reusable buffer laid out as hash || key, hashed with the one-shot crypto.hash: the
  // per-call overhead of createHash() dominates 5200 single-block hashes.
  const input = Buffer.alloc(SHA512_BYTES + key.byteLength);
  input.set(key, SHA512_BYTES);
  let digest = createHash('sha512').update(VERSION).update(key).update(key).update(key).digest();
  for (let i = 1; i < SAFETY_NUMBER_ITERATIONS; i++) {
    input.set(digest, 0);
    digest = hash('sha512', input, 'buffer');
  }
  return digest;
}

function digitsOf(digest: Uint8Array): string {
  let out = '';
  for (let chunk = 0; chunk < DIGIT_CHUNKS; chunk++) {
    let value = 0;
    // 40-bit values stay exact in a double (< 2^53).
    for (let i = 0; i < CHUNK_BYTES; i++) {
      value = value * 256 + (digest[chunk * CHUNK_BYTES + i] ?? 0);
    }
    out += String(value % 100000).padStart(5, '0');
  }
  return out;
}
