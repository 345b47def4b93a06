import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { bytesEqual, concatBytes, toHex, utf8 } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { randomBytes } from './random.js';

/** Ed25519 signatures (RFC 8032) through node:crypto, in tweetnacl's key layout. */

export const SIGN_PUBLIC_KEY_BYTES = 32;
/** tweetnacl layout: 32-byte seed followed by the 32-byte public key. */
export const SIGN_SECRET_KEY_BYTES = 64;
export const SIGN_SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/**
 * Imported public keys kept: a miss costs about half a millisecond (the point check and
 * node:crypto's import), and a relay sees every user's key at each login, so this holds as
 * many users as a relay usually has (4,096 KeyObjects: about 4 MB).
 */
export const VERIFY_KEY_CACHE_ENTRIES = 4096;
/** Imported signing keys kept; a process signs with very few keys (its identity, a relay key). */
export const SIGN_KEY_CACHE_ENTRIES = 64;

/** Domain tags: every signature in natter is over domainMessage(tag, ...), one tag per purpose. */
export const TAG_BOXKEY = 'natter-boxkey-v1';
export const TAG_RELAY = 'natter-relay-v1';
/**
 * Protocol 2's Register and Login also sign the channel binding (authMessage), so they have
 * new tags: a v1 signature (no binding) can never be taken for a v2 one.
 */
export const TAG_REGISTER_V2 = 'natter-register-v2';
export const TAG_LOGIN_V2 = 'natter-login-v2';
export const TAG_PRESENCE = 'natter-presence-v1';

export interface SigningKeyPair {
  /** 32 bytes. */
  publicKey: Uint8Array;
  /** 64 bytes, tweetnacl layout seed || publicKey. */
  secretKey: Uint8Array;
}

// ASN.1 headers that turn a raw 32-byte Ed25519 seed / public key into PKCS#8 / SPKI DER (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const P = 2n ** 255n - 19n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

// The y-coordinates of the 8 small-order points (sign bit masked, as libsodium's
// ge25519_has_small_order does), plus the non-canonical encodings p and p+1 of y = 0 and y = 1.
// A key of small order lets anyone forge signatures that verify: node:crypto accepts the
// all-zero key with an all-zero signature for every message.
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Buffer.from(hex, 'hex'));

const verifyKeys = new Map<string, KeyObject | null>();
const signKeys = new Map<string, KeyObject>();

export function generateSigningKeyPair(): SigningKeyPair {
  return signingKeyPairFromSeed(randomBytes(SIGN_SEED_BYTES));
}

/** The key pair of a 32-byte seed (a stored relay key, say). Throws E_BAD_KEY on another length. */
export function signingKeyPairFromSeed(seed: Uint8Array): SigningKeyPair {
  if (seed.length !== SIGN_SEED_BYTES) {
    throw cryptoError(
      CryptoCode.BadKey,
      `sign: a seed is ${SIGN_SEED_BYTES} bytes, not ${seed.length}`,
    );
  }
  // node:crypto, not tweetnacl (1.6 ms a key in JavaScript): a group send derives its sender
  // chain's key pair from the stored seed for every message.
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  return { publicKey, secretKey: concatBytes(seed, publicKey) };
}

/** A fresh random 32-byte seed. */
export function newSigningSeed(): Uint8Array {
  return randomBytes(SIGN_SEED_BYTES);
}

/** A 64-byte detached Ed25519 signature. Throws E_BAD_KEY on a malformed secret key. */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(cryptoSign(null, message, signingKeyFor(secretKey)));
}

/**
 * True only for a valid signature by a valid key. Never throws: wrong lengths, small-order,
 * non-canonical or undecodable keys and non-canonical signatures (s >= L, which OpenSSL
 * rejects) all give false.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (
    !(publicKey instanceof Uint8Array) ||
    !(message instanceof Uint8Array) ||
    !(signature instanceof Uint8Array) ||
    publicKey.byteLength !== SIGN_PUBLIC_KEY_BYTES ||
    signature.byteLength !== SIGNATURE_BYTES
  ) {
    return false;
  }
  const key = verifyingKeyFor(publicKey);
  if (key === null) return false;
  try {
    return cryptoVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * utf8(tag) || 0x00 || parts. The parts are not length-prefixed, so every part except the
 * last must have a fixed length for the message to be unambiguous.
 */
export function domainMessage(tag: string, ...parts: Uint8Array[]): Uint8Array {
  if (tag.length === 0 || tag.includes('\0')) {
    throw cryptoError(CryptoCode.BadTag, 'domainMessage: tag must be non-empty and free of NUL');
  }
  return concatBytes(utf8(tag), new Uint8Array([0]), ...parts);
}

/** The fixed-length parts of authMessage: relay id, challenge, channel binding. */
const AUTH_PART_BYTES = 32;

/**
 * What Register and Login sign (DESIGN.md §2, issue 10): the tag, the relay id, the
 * relay's challenge, the channel binding of the connection the frame travels on (the
 * TLS exporter, tls-cert.ts), then the pseudonym. A relay checks it against its own
 * socket's binding, so a signature made on a channel that a proxy terminated does not
 * verify on the proxy's own channel to the relay. Throws E_BAD_ARGUMENT on a part that is
 * not 32 bytes (the layout is unambiguous only with fixed-length parts before the name).
 */
export function authMessage(
  tag: typeof TAG_REGISTER_V2 | typeof TAG_LOGIN_V2,
  relayId: Uint8Array,
  challenge: Uint8Array,
  binding: Uint8Array,
  pseudonym: string,
): Uint8Array {
  for (const part of [relayId, challenge, binding]) {
    if (part.byteLength !== AUTH_PART_BYTES) {
      throw cryptoError(
        CryptoCode.BadArgument,
        `authMessage: relay id, challenge and channel binding are ${AUTH_PART_BYTES} bytes each`,
      );
    }
  }
  return domainMessage(tag, relayId, challenge, binding, utf8(pseudonym));
}

/**
 * The node:crypto private key of a 64-byte secret key, for APIs that take a KeyObject
 * (the relay's TLS certificate, tls-cert.ts). Throws E_BAD_KEY like sign().
 */
export function signingKeyObject(secretKey: Uint8Array): KeyObject {
  return signingKeyFor(secretKey);
}

/**
 * 32 bytes, canonical (y < p, no "negative zero" x), on the curve, and not of small order.
 * Rejecting non-canonical encodings also means one key cannot appear under two user ids.
 */
export function isValidSignPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
    return false;
  }
  return !hasSmallOrder(publicKey) && decodesToPoint(publicKey);
}

function hasSmallOrder(encoded: Uint8Array): boolean {
  return SMALL_ORDER_Y.some((bad) => {
    for (let i = 0; i < 31; i++) if (encoded[i] !== bad[i]) return false;
    return ((encoded[31] ?? 0) & 0x7f) === bad[31];
  });
}

// node:crypto imports any 32 bytes as a key without checking them, so check the point here:
// x^2 = (y^2 - 1) / (d y^2 + 1) must have a root (RFC 8032 §5.1.3).
function decodesToPoint(encoded: Uint8Array): boolean {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(encoded[i] ?? 0);
  const xIsOdd = y >> 255n === 1n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return false;
  const y2 = (y * y) % P;
  const u = (y2 - 1n + P) % P;
  const v = (D * y2 + 1n) % P;
  if (u === 0n) return !xIsOdd;
  // v is never 0 (d is not a square), so u/v is a square exactly when u*v is (Euler's criterion).
  return eulerPower((u * v) % P) === 1n;
}

/**
 * z^((p-1)/2) mod p, that is z^(2^254 - 10): 1 for a non-zero square. ref10's addition
 * chain for z^(2^250 - 1) (250 squarings, 10 multiplications) then four squarings and z^6,
 * where square-and-multiply took about 250 multiplications more (the exponent is nearly all
 * ones): half the BigInt work of a key check, which a relay pays for every key it has not
 * seen lately (exported for test/unit/crypto/keys.test.ts, which holds the two to the same
 * answers).
 */
export function eulerPower(z: bigint): bigint {
  const z2 = sq(z);
  const z9 = mul(sqn(z2, 2), z);
  const z11 = mul(z9, z2);
  const z2_5 = mul(sq(z11), z9); // z^(2^5 - 1)
  const z2_10 = mul(sqn(z2_5, 5), z2_5);
  const z2_20 = mul(sqn(z2_10, 10), z2_10);
  const z2_40 = mul(sqn(z2_20, 20), z2_20);
  const z2_50 = mul(sqn(z2_40, 10), z2_10);
  const z2_100 = mul(sqn(z2_50, 50), z2_50);
  const z2_200 = mul(sqn(z2_100, 100), z2_100);
  const z2_250 = mul(sqn(z2_200, 50), z2_50);
  // (2^250 - 1) * 2^4 + 6 = 2^254 - 10
  return mul(sqn(z2_250, 4), mul(z2, sq(z2)));
}

const mul = (a: bigint, b: bigint): bigint => (a * b) % P;
const sq = (a: bigint): bigint => (a * a) % P;

function sqn(a: bigint, n: number): bigint {
  let x = a;
  for (let i = 0; i < n; i++) x = (x * x) % P;
  return x;
}

function verifyingKeyFor(publicKey: Uint8Array): KeyObject | null {
  const id = toHex(publicKey);
  const cached = lruGet(verifyKeys, id);
  if (cached !== undefined) return cached;
  let key: KeyObject | null = null;
  if (isValidSignPublicKey(publicKey)) {
    try {
      key = createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, publicKey]),
        format: 'der',
        type: 'spki',
      });
    } catch {
      key = null;
    }
  }
  // Invalid keys are remembered too, so a peer repeating a bad key costs one Map lookup.
  lruSet(verifyKeys, id, key, VERIFY_KEY_CACHE_ENTRIES);
  return key;
}

function signingKeyFor(secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== SIGN_SECRET_KEY_BYTES) {
    throw cryptoError(CryptoCode.BadKey, `sign: secret key must be ${SIGN_SECRET_KEY_BYTES} bytes`);
  }
  // Keyed by a hash so the cache holds no secret material as strings.
  const id = createHash('sha256').update(secretKey).digest('hex');
  const cached = lruGet(signKeys, id);
  if (cached !== undefined) return cached;
  const der = Buffer.concat([PKCS8_PREFIX, secretKey.subarray(0, SIGN_SEED_BYTES)]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  // tweetnacl would sign with the stored public half; node derives it from the seed. Refuse a
  // key whose halves disagree rather than silently signing for a different public key.
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  if (!bytesEqual(spki.subarray(SPKI_PREFIX.length), secretKey.subarray(SIGN_SEED_BYTES))) {
    throw cryptoError(CryptoCode.BadKey, 'sign: secret key does not match its public half');
  }
  lruSet(signKeys, id, key, SIGN_KEY_CACHE_ENTRIES);
  return key;
}

// Least-recently-used via Map insertion order: a hit re-inserts, eviction takes the first key.
function lruGet<V>(cache: Map<string, V>, id: string): V | undefined {
  const value = cache.get(id);
  if (value !== undefined) {
    cache.delete(id);
    cache.set(id, value);
  }
  return value;
}

function lruSet<V>(cache: Map<string, V>, id: string, value: V, maxEntries: number): void {
  cache.set(id, value);
  if (cache.size > maxEntries) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
}
