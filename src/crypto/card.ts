/**
 * The signature on a user's card (issue 10, "cards and presence"): one Ed25519
 * signature by the identity key over the user id, the pseudonym and the box key
 * together. Before it, the card carried a signature over the box key alone, so
 * anyone holding a genuine card could show it under another pseudonym (a relay
 * answering a lookup, a heartbeat copied from the LAN) and it still verified.
 *
 * The card is signed when it is built, for the pseudonym it is built for: a
 * pseudonym is chosen at run time (profile config, a new registration), so it is
 * not part of the key file. The key file keeps its own box-key signature
 * (keys.ts `boxSig`) as a self-check of its public parts.
 *
 * Bytes only: the card's shape is declared here structurally, so src/wire's Card
 * fits it without this layer importing the wire.
 */
import { concatBytes, toHex, utf8 } from '../util/bytes.js';
import { LruMap } from '../util/lru.js';
import { CryptoCode, cryptoError } from './errors.js';
import { BOX_PUBLIC_KEY_BYTES, type Identity, isValidBoxPublicKey } from './keys.js';
import { domainMessage, SIGN_PUBLIC_KEY_BYTES, sign, verify } from './sign.js';

/** The card signature's domain tag; v2 because v1 (`natter-boxkey-v1`) covered the box key alone. */
export const TAG_CARD = 'natter-card-v2';

/** A card as every layer holds it (src/wire's Card has exactly these fields). */
export interface SignedCard {
  /** Ed25519 public key, 32 bytes: the user id. */
  userId: Uint8Array;
  pseudonym: string;
  /** X25519 public key, 32 bytes. */
  boxPk: Uint8Array;
  /** 64 bytes, over cardMessage(userId, pseudonym, boxPk). */
  cardSig: Uint8Array;
}

/**
 * Cards whose signature verified, remembered by everything the signature covers and
 * the signature itself, so the same card seen again (on every delivery from one
 * sender, every heartbeat and roster entry of a peer) costs a lookup instead of an
 * Ed25519 verification (about 0.3 ms here: most of `natter inbox`'s CPU per message
 * before this cache). One entry per peer a client or relay meets at once; a card
 * that falls out is verified again.
 */
export const VERIFIED_CARD_CACHE_ENTRIES = 4096;

const verified = new LruMap<string, true>(VERIFIED_CARD_CACHE_ENTRIES);
let signatureChecks = 0;

/** Ed25519 verifications verifyCard has run in this process (the cache's misses): for tests and stats. */
export function cardSignatureChecks(): number {
  return signatureChecks;
}

/** What signs a card: the identity's signing pair and its box public key. */
export type CardSigner = Pick<Identity, 'signPk' | 'signSk' | 'boxPk'>;

/** A big-endian u32 length, then the bytes: a variable-length part in the middle of a message. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.byteLength);
  return concatBytes(length, bytes);
}

/**
 * What a card signature covers: `natter-card-v2` || 0x00 || user id (32) ||
 * u32be(length) || UTF-8 pseudonym exactly as sent (no normalisation here: the
 * codec refuses a name that is not NFKC already) || box key (32). Throws
 * E_BAD_ARGUMENT when a key is not 32 bytes.
 */
export function cardMessage(userId: Uint8Array, pseudonym: string, boxPk: Uint8Array): Uint8Array {
  if (userId.byteLength !== SIGN_PUBLIC_KEY_BYTES || boxPk.byteLength !== BOX_PUBLIC_KEY_BYTES) {
    throw cryptoError(CryptoCode.BadArgument, 'cardMessage: user id and box key are 32 bytes each');
  }
  return domainMessage(TAG_CARD, userId, lengthPrefixed(utf8(pseudonym)), boxPk);
}

/** The card of `identity` under `pseudonym`, signed by its identity key. */
export function signCard(identity: CardSigner, pseudonym: string): SignedCard {
  const userId = identity.signPk;
  const boxPk = identity.boxPk;
  return {
    userId,
    pseudonym,
    boxPk,
    cardSig: sign(identity.signSk, cardMessage(userId, pseudonym, boxPk)),
  };
}

/**
 * True only when both keys are valid (the box key not low-order, the user id a
 * canonical point) and `cardSig` is the user id's signature over this user id,
 * this exact pseudonym and this box key. Never throws. Verified cards are
 * remembered (VERIFIED_CARD_CACHE_ENTRIES); the key covers every field, so a
 * re-labelled card is checked afresh.
 */
export function verifyCard(card: SignedCard): boolean {
  if (!isValidBoxPublicKey(card.boxPk) || card.userId.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
    return false;
  }
  if (typeof card.pseudonym !== 'string') return false;
  const key = `${toHex(card.userId)}|${toHex(card.boxPk)}|${toHex(card.cardSig)}|${card.pseudonym}`;
  if (verified.get(key)) return true;
  signatureChecks++;
  if (!verify(card.userId, cardMessage(card.userId, card.pseudonym, card.boxPk), card.cardSig)) {
    return false;
  }
  verified.set(key, true);
  return true;
}
