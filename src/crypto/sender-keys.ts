import { createHmac } from 'node:crypto';
import { bytesEqual, concatBytes, copyBytes } from '../util/bytes.js';
import { secretOpen, secretSeal } from './box.js';
import { GroupCode, groupError } from './group-errors.js';
import {
  encodeGroupMessageHeader,
  type GroupMessageContext,
  type GroupMessageHeader,
  MAX_GROUP_CHAIN_INDEX,
  parseGroupMessage,
  TAG_GROUP_MESSAGE,
} from './group-message.js';
import { randomBytes } from './random.js';
import {
  domainMessage,
  generateSigningKeyPair,
  isValidSignPublicKey,
  type SigningKeyPair,
  sign,
  verify,
} from './sign.js';

/**
 * Sender keys, as Signal and WhatsApp groups use them (DESIGN.md §6, issue 11). Per group
 * epoch every member has a sender chain: a chain key and an Ed25519 signing key pair, shared
 * with each other member inside an ordinary 1:1 sealed message. A one-way hash ratchet gives
 * message key i = HMAC-SHA256(CK_i, 0x01) and CK_(i+1) = HMAC-SHA256(CK_i, 0x02) (the Signal
 * sender-key construction). A message is sealed once under key i and signed with the chain's
 * signing key, so members, who all hold the chain key, still cannot forge each other.
 *
 * Each key is used once and deleted: the states below hold the chain key of the next index and
 * (receiver side) the keys of skipped indexes only, so whoever steals a state later cannot
 * derive the keys of messages already read (forward secrecy within a chain; none across it:
 * the 1:1 box keys that carried the chain are static, see box.ts).
 *
 * The states are plain objects that seal and open update in place; the caller persists them
 * (sender-keys-codec.ts) together with what it did with the message.
 */

export const CHAIN_KEY_BYTES = 32;
/**
 * Skipped message keys a receiver chain keeps for late messages, and the furthest a message
 * may jump ahead of the next expected index. Mail arrives in order per sender except across
 * relay restarts and held messages (issue 11), so the window is a safety margin: a thousand
 * keys is 36 KB of state and about 2000 HMACs (a few ms) for the worst jump, and bounds what
 * a sender can make a receiver compute (Signal's MAX_SKIP is of the same order).
 */
export const MAX_SKIPPED_GROUP_KEYS = 1000;

const MESSAGE_KEY_INPUT = new Uint8Array([0x01]);
const CHAIN_KEY_INPUT = new Uint8Array([0x02]);

/** The sending half of a chain, held by its owner only. */
export interface SenderChain {
  /** CK_index, 32 bytes. */
  chainKey: Uint8Array;
  /** The index of the next message. */
  index: number;
  signing: SigningKeyPair;
}

/** What a sender gives the other members so they can read its chain from `index` on. */
export interface SenderChainShare {
  readonly chainKey: Uint8Array;
  readonly index: number;
  readonly signingPublicKey: Uint8Array;
}

/** The receiving half of one member's chain, per (group, epoch, sender). */
export interface ReceiverChain {
  readonly signingPublicKey: Uint8Array;
  /** CK_nextIndex, 32 bytes. */
  chainKey: Uint8Array;
  /** The lowest index whose key has not been derived yet. */
  nextIndex: number;
  /**
   * The index of the share this chain started from. Messages below it were sealed before the
   * sender shared its chain with us (we were added meanwhile): never meant for us, not lost.
   */
  readonly start: number;
  /**
   * Indexes below this have no key here: below `start`, or evicted from `skipped`. Indexes
   * from here to nextIndex that are not in `skipped` were used (replays).
   */
  floor: number;
  /** Message keys of indexes skipped over, kept for late messages: at most MAX_SKIPPED_GROUP_KEYS. */
  readonly skipped: Map<number, Uint8Array>;
}

export interface OpenedGroupMessage {
  readonly header: GroupMessageHeader;
  readonly plaintext: Uint8Array;
}

/** A fresh chain: random chain key, fresh signing key pair, index 0. */
export function newSenderChain(): SenderChain {
  return { chainKey: randomBytes(CHAIN_KEY_BYTES), index: 0, signing: generateSigningKeyPair() };
}

/** The share of `chain` at its current index (copies: later sends do not change it). */
export function senderChainShare(chain: SenderChain): SenderChainShare {
  return {
    chainKey: copyBytes(chain.chainKey),
    index: chain.index,
    signingPublicKey: copyBytes(chain.signing.publicKey),
  };
}

/**
 * A receiver chain that reads `share`'s sender from share.index on. Throws E_GROUP_BAD_STATE
 * on a wrong key size, an invalid signing key or an index out of range.
 */
export function newReceiverChain(share: SenderChainShare): ReceiverChain {
  if (!(share.chainKey instanceof Uint8Array) || share.chainKey.byteLength !== CHAIN_KEY_BYTES) {
    throw groupError(GroupCode.BadState, `chain share: chain key is not ${CHAIN_KEY_BYTES} bytes`);
  }
  if (!isValidSignPublicKey(share.signingPublicKey)) {
    throw groupError(GroupCode.BadState, 'chain share: not a valid Ed25519 signing key');
  }
  if (
    !Number.isSafeInteger(share.index) ||
    share.index < 0 ||
    share.index > MAX_GROUP_CHAIN_INDEX
  ) {
    throw groupError(GroupCode.BadState, 'chain share: index out of range');
  }
  return {
    signingPublicKey: copyBytes(share.signingPublicKey),
    chainKey: copyBytes(share.chainKey),
    nextIndex: share.index,
    start: share.index,
    floor: share.index,
    skipped: new Map(),
  };
}

/** One ratchet step: the message key of CK_i and CK_(i+1). Exposed for known-answer tests. */
export function ratchetStep(chainKey: Uint8Array): {
  messageKey: Uint8Array;
  nextChainKey: Uint8Array;
} {
  return {
    messageKey: new Uint8Array(createHmac('sha256', chainKey).update(MESSAGE_KEY_INPUT).digest()),
    nextChainKey: new Uint8Array(createHmac('sha256', chainKey).update(CHAIN_KEY_INPUT).digest()),
  };
}

/**
 * The message bytes (group-message.ts) of `plaintext` under the chain's current key, with a
 * fresh random nonce; then advances the chain and forgets that key. `header` names the group,
 * epoch, sender and message id; the chain supplies the index. Throws E_GROUP_CHAIN_EXHAUSTED
 * past MAX_GROUP_CHAIN_INDEX and E_GROUP_BAD_MESSAGE on a malformed header; the chain is
 * unchanged when it throws.
 */
export function sealGroupMessage(
  chain: SenderChain,
  header: Omit<GroupMessageHeader, 'index'>,
  plaintext: Uint8Array,
): Uint8Array {
  if (chain.index > MAX_GROUP_CHAIN_INDEX) {
    throw groupError(GroupCode.ChainExhausted, 'group seal: the sender chain must be rotated');
  }
  const headerBytes = encodeGroupMessageHeader({ ...header, index: chain.index });
  const { messageKey, nextChainKey } = ratchetStep(chain.chainKey);
  const { nonce, ciphertext } = secretSeal(messageKey, plaintext);
  messageKey.fill(0);
  const signed = concatBytes(headerBytes, nonce, ciphertext);
  const signature = sign(chain.signing.secretKey, domainMessage(TAG_GROUP_MESSAGE, signed));
  chain.chainKey.fill(0);
  chain.chainKey = nextChainKey;
  chain.index += 1;
  return concatBytes(signed, signature);
}

/**
 * The plaintext of `bytes`, after checking, in this order: the layout (E_GROUP_BAD_MESSAGE),
 * that the header names `expected`'s group, epoch and sender (E_GROUP_WRONG_GROUP, _EPOCH,
 * _SENDER), the chain's signature (E_GROUP_BAD_SIGNATURE), that the index has a key here
 * (E_GROUP_REPLAY for a used one, E_GROUP_BEFORE_SHARE before the share the chain started
 * from, E_GROUP_KEY_UNAVAILABLE for an evicted one, E_GROUP_TOO_FAR_AHEAD beyond the skipped
 * window), and the box (E_GROUP_UNDECRYPTABLE). Nothing in `chain` changes unless it succeeds;
 * then the key used is deleted, and keys skipped over are kept (the oldest evicted past
 * MAX_SKIPPED_GROUP_KEYS).
 */
export function openGroupMessage(
  chain: ReceiverChain,
  expected: GroupMessageContext,
  bytes: Uint8Array,
): OpenedGroupMessage {
  const parsed = parseGroupMessage(bytes);
  const { header } = parsed;
  if (!bytesEqual(header.groupId, expected.groupId)) {
    throw groupError(GroupCode.WrongGroup, 'group open: the message names another group');
  }
  if (header.epoch !== expected.epoch) {
    throw groupError(
      GroupCode.WrongEpoch,
      `group open: epoch ${header.epoch}, expected ${expected.epoch}`,
    );
  }
  if (!bytesEqual(header.sender, expected.sender)) {
    throw groupError(GroupCode.WrongSender, 'group open: the message names another sender');
  }
  if (
    !verify(
      chain.signingPublicKey,
      domainMessage(TAG_GROUP_MESSAGE, parsed.signed),
      parsed.signature,
    )
  ) {
    throw groupError(
      GroupCode.BadSignature,
      `group open: message ${header.index} is not signed by the sender's chain key`,
    );
  }
  const index = header.index;
  if (index < chain.nextIndex) {
    const messageKey = chain.skipped.get(index);
    if (messageKey === undefined) throw missingKey(chain, index);
    const plaintext = openWith(messageKey, parsed.nonce, parsed.ciphertext, index);
    chain.skipped.delete(index);
    messageKey.fill(0);
    return { header, plaintext };
  }
  if (index - chain.nextIndex > MAX_SKIPPED_GROUP_KEYS) {
    throw groupError(
      GroupCode.TooFarAhead,
      `group open: index ${index} skips more than ${MAX_SKIPPED_GROUP_KEYS} keys after ${chain.nextIndex}`,
    );
  }
  // Derive on the side and commit only once the box has opened.
  const skippedKeys: Array<[number, Uint8Array]> = [];
  let chainKey = chain.chainKey;
  for (let i = chain.nextIndex; i < index; i++) {
    const step = ratchetStep(chainKey);
    skippedKeys.push([i, step.messageKey]);
    if (chainKey !== chain.chainKey) chainKey.fill(0);
    chainKey = step.nextChainKey;
  }
  const step = ratchetStep(chainKey);
  if (chainKey !== chain.chainKey) chainKey.fill(0);
  let plaintext: Uint8Array;
  try {
    plaintext = openWith(step.messageKey, parsed.nonce, parsed.ciphertext, index);
  } catch (err) {
    for (const [, key] of skippedKeys) key.fill(0);
    step.nextChainKey.fill(0);
    throw err;
  } finally {
    step.messageKey.fill(0);
  }
  for (const [i, key] of skippedKeys) chain.skipped.set(i, key);
  chain.chainKey.fill(0);
  chain.chainKey = step.nextChainKey;
  chain.nextIndex = index + 1;
  evictSkipped(chain);
  return { header, plaintext };
}

/** Why `chain` has no key for `index`, below its next index and not among the skipped keys. */
function missingKey(chain: ReceiverChain, index: number) {
  if (index >= chain.floor) {
    return groupError(GroupCode.Replay, `group open: key ${index} was already used`);
  }
  // An add keeps the epoch: a member added later gets the chain at the sender's index then.
  if (index < chain.start) {
    return groupError(
      GroupCode.BeforeShare,
      `group open: message ${index} was sealed before the share this chain starts at (${chain.start})`,
    );
  }
  return groupError(GroupCode.KeyUnavailable, `group open: no key for index ${index} any more`);
}

/** Drops the oldest skipped keys past MAX_SKIPPED_GROUP_KEYS and raises the floor over them. */
function evictSkipped(chain: ReceiverChain): void {
  if (chain.skipped.size <= MAX_SKIPPED_GROUP_KEYS) return;
  const indexes = [...chain.skipped.keys()].sort((a, b) => a - b);
  for (const i of indexes.slice(0, chain.skipped.size - MAX_SKIPPED_GROUP_KEYS)) {
    chain.skipped.get(i)?.fill(0);
    chain.skipped.delete(i);
    chain.floor = Math.max(chain.floor, i + 1);
  }
}

function openWith(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, index: number) {
  const opened = secretOpen(key, nonce, ciphertext);
  if (!opened.ok) {
    throw groupError(
      GroupCode.Undecryptable,
      `group open: message ${index} is signed but does not open (${opened.reason})`,
    );
  }
  return opened.plaintext;
}
