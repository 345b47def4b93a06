import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { copyBytes } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import { randomBytes } from './random.js';
import {
  domainMessage,
  isValidSignPublicKey,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SEED_BYTES,
  sign,
  TAG_BOXKEY,
  verify,
} from './sign.js';

export { isValidSignPublicKey } from './sign.js';

export const BOX_PUBLIC_KEY_BYTES = 32;
export const BOX_SECRET_KEY_BYTES = 32;
/** 80 bits: 16 base32 characters, enough to tell people apart, short enough to read aloud. */
export const FINGERPRINT_BYTES = 10;

/**
 * Who you are (Ed25519, `signPk` is the user id) and what others encrypt to (X25519). The box
 * key is signed by the signing key (`boxSig` over domainMessage(TAG_BOXKEY, boxPk)): the key
 * file's self-check of its public parts. What others verify is the card (card.ts), signed
 * over user id, pseudonym and box key when it is built for a pseudonym.
 */
export interface Identity {
  signPk: Uint8Array;
  /** 64 bytes, tweetnacl layout seed || signPk. */
  signSk: Uint8Array;
  boxPk: Uint8Array;
  boxSk: Uint8Array;
  boxSig: Uint8Array;
}

// libsodium's X25519 blocklist (crypto_scalarmult/curve25519/ref10/x25519_ref10.c
// has_small_order): u = 0, 1, the two order-8 points, p-1, p, p+1. X25519 ignores the top bit
// of u, so the last byte is compared masked and the high-bit variants are rejected too.
const LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Buffer.from(hex, 'hex'));

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function generateIdentity(): Identity {
  const signSeed = randomBytes(SIGN_SEED_BYTES);
  const boxSk = randomBytes(BOX_SECRET_KEY_BYTES);
  try {
    return identityFromSecrets(signSeed, boxSk);
  } finally {
    signSeed.fill(0);
    boxSk.fill(0);
  }
}

/** Deterministic: the same two secrets always give the same identity (key files, tests). */
export function identityFromSecrets(signSeed32: Uint8Array, boxSk32: Uint8Array): Identity {
  if (signSeed32.byteLength !== SIGN_SEED_BYTES) {
    throw cryptoError(CryptoCode.BadKey, `identity: signing seed must be ${SIGN_SEED_BYTES} bytes`);
  }
  if (boxSk32.byteLength !== BOX_SECRET_KEY_BYTES) {
    throw cryptoError(
      CryptoCode.BadKey,
      `identity: box secret must be ${BOX_SECRET_KEY_BYTES} bytes`,
    );
  }
  // fromSeed/fromSecretKey return fresh arrays, so the identity shares no memory with the inputs.
  const signing = nacl.sign.keyPair.fromSeed(copyBytes(signSeed32));
  const box = nacl.box.keyPair.fromSecretKey(copyBytes(boxSk32));
  return {
    signPk: signing.publicKey,
    signSk: signing.secretKey,
    boxPk: box.publicKey,
    boxSk: box.secretKey,
    boxSig: sign(signing.secretKey, domainMessage(TAG_BOXKEY, box.publicKey)),
  };
}

/**
 * True when `boxSig` is userId's signature over `boxPk` and both keys are valid. For the key
 * file's self-check only: a card is checked with verifyCard (card.ts), which covers the
 * pseudonym too.
 */
export function verifyBoxKey(userId: Uint8Array, boxPk: Uint8Array, boxSig: Uint8Array): boolean {
  if (!isValidBoxPublicKey(boxPk)) return false;
  return verify(userId, domainMessage(TAG_BOXKEY, boxPk), boxSig);
}

/** 32 bytes and not a low-order X25519 point (a shared key with one is predictable). */
export function isValidBoxPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== BOX_PUBLIC_KEY_BYTES) {
    return false;
  }
  return !LOW_ORDER_U.some((bad) => {
    for (let i = 0; i < 31; i++) if (publicKey[i] !== bad[i]) return false;
    return ((publicKey[31] ?? 0) & 0x7f) === bad[31];
  });
}

export function assertValidSignPublicKey(publicKey: Uint8Array, what = 'signing key'): void {
  if (!isValidSignPublicKey(publicKey)) {
    throw cryptoError(CryptoCode.BadKey, `${what}: not a valid Ed25519 public key`);
  }
}

export function assertValidBoxPublicKey(publicKey: Uint8Array, what = 'box key'): void {
  if (!isValidBoxPublicKey(publicKey)) {
    throw cryptoError(CryptoCode.BadKey, `${what}: not a valid X25519 public key`);
  }
}

/**
 * Short human form of a user id: the first 10 bytes of SHA-256(userId) in lowercase RFC 4648
 * base32, as four groups of four ('abcd-efgh-ijkl-mnop'). For telling people apart at a glance;
 * comparing keys for security is what safetyNumber is for.
 */
export function fingerprint(userId: Uint8Array): string {
  if (userId.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
    throw cryptoError(
      CryptoCode.BadKey,
      `fingerprint: user id must be ${SIGN_PUBLIC_KEY_BYTES} bytes`,
    );
  }
  const digest = createHash('sha256').update(userId).digest().subarray(0, FINGERPRINT_BYTES);
  return (base32(digest).match(/.{4}/g) ?? []).join('-');
}

// Unpadded: callers here only pass multiples of 5 bytes, which need no padding anyway.
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
