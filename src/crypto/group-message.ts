import { copyBytes } from '../util/bytes.js';
import { GROUP_ID_BYTES } from './group-change.js';
import { GroupCode, groupError } from './group-errors.js';
import { SIGN_PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './sign.js';

/**
 * The bytes of one group message (DESIGN.md §6): a header that names group, epoch, sender,
 * message id and chain index, the secretbox of the plaintext under message key `index`, and
 * the sender chain's signature over all of it. Every field before the ciphertext has a fixed
 * size, so the layout needs no length prefixes:
 *
 *   offset  size  field
 *        0     1  format (1)
 *        1    16  group id
 *       17     4  epoch, u32 big-endian
 *       21    32  sender user id
 *       53    16  message id
 *       69     4  chain index, u32 big-endian
 *       73    24  nonce (random)
 *       97   n+16 secretbox ciphertext of the n-byte plaintext
 *    end-64   64  Ed25519 by the chain's signing key over
 *                 domainMessage(TAG_GROUP_MESSAGE, every byte before the signature)
 *
 * Frozen: another layout needs another format byte and tag.
 */

export const GROUP_MESSAGE_FORMAT = 1;
export const TAG_GROUP_MESSAGE = 'natter-group-message-v1';
/** 128 random bits, as in 1:1 messages (DESIGN.md §3). */
export const GROUP_MESSAGE_ID_BYTES = 16;
export const GROUP_MESSAGE_HEADER_BYTES = 1 + GROUP_ID_BYTES + 4 + SIGN_PUBLIC_KEY_BYTES + 16 + 4;
/**
 * secretbox's nonce and tag (box.ts NONCE_BYTES, BOX_OVERHEAD_BYTES), restated so the relay can
 * parse a header without reaching box.ts (test/unit/boundaries.test.ts); a test holds them equal.
 */
export const GROUP_NONCE_BYTES = 24;
export const GROUP_TAG_BYTES = 16;
/** An empty plaintext's message: header, nonce, tag, signature. */
export const MIN_GROUP_MESSAGE_BYTES =
  GROUP_MESSAGE_HEADER_BYTES + GROUP_NONCE_BYTES + GROUP_TAG_BYTES + SIGNATURE_BYTES;
/**
 * The highest chain index a message may carry: u32 in the header, less one so that the next
 * index still fits a u32 in the persisted chain states. A chain that reaches it is rotated.
 */
export const MAX_GROUP_CHAIN_INDEX = 0xffff_fffe;

/** Who a message must come from: the receiver chain's (group, epoch, sender). */
export interface GroupMessageContext {
  /** 16 bytes. */
  readonly groupId: Uint8Array;
  /** The group epoch (group-log.ts) the sender chain belongs to. */
  readonly epoch: number;
  /** The sender's user id, 32 bytes. */
  readonly sender: Uint8Array;
}

export interface GroupMessageHeader extends GroupMessageContext {
  /** 16 bytes, chosen by the sender. */
  readonly messageId: Uint8Array;
  /** The sender chain's index of the message key. */
  readonly index: number;
}

/** A message cut into its parts; nothing in it is authenticated yet. */
export interface ParsedGroupMessage {
  readonly header: GroupMessageHeader;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** Every byte the signature covers (after the domain tag). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

/** The header bytes. Throws E_GROUP_BAD_MESSAGE on a wrong size or an out-of-range number. */
export function encodeGroupMessageHeader(header: GroupMessageHeader): Uint8Array {
  const bad = (why: string) => groupError(GroupCode.BadMessage, `group message header: ${why}`);
  if (!isBytes(header.groupId, GROUP_ID_BYTES)) {
    throw bad(`group id is not ${GROUP_ID_BYTES} bytes`);
  }
  if (!isU32(header.epoch)) throw bad('epoch is not a u32');
  if (!isBytes(header.sender, SIGN_PUBLIC_KEY_BYTES)) throw bad('sender is not a user id');
  if (!isBytes(header.messageId, GROUP_MESSAGE_ID_BYTES)) {
    throw bad(`message id is not ${GROUP_MESSAGE_ID_BYTES} bytes`);
  }
  if (!isU32(header.index) || header.index > MAX_GROUP_CHAIN_INDEX) {
    throw bad(`index is above ${MAX_GROUP_CHAIN_INDEX}`);
  }
  const out = new Uint8Array(GROUP_MESSAGE_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out[0] = GROUP_MESSAGE_FORMAT;
  out.set(header.groupId, 1);
  view.setUint32(17, header.epoch, false);
  out.set(header.sender, 21);
  out.set(header.messageId, 53);
  view.setUint32(69, header.index, false);
  return out;
}

/**
 * The parts of a message, copied out of `bytes`. Checks sizes and the format only: the caller
 * verifies the signature before believing any of it. Throws E_GROUP_BAD_MESSAGE.
 */
export function parseGroupMessage(bytes: Uint8Array): ParsedGroupMessage {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < MIN_GROUP_MESSAGE_BYTES) {
    throw groupError(
      GroupCode.BadMessage,
      `group message: shorter than ${MIN_GROUP_MESSAGE_BYTES} bytes`,
    );
  }
  if (bytes[0] !== GROUP_MESSAGE_FORMAT) {
    throw groupError(GroupCode.BadMessage, `group message: unknown format ${bytes[0]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = view.getUint32(69, false);
  if (index > MAX_GROUP_CHAIN_INDEX) {
    throw groupError(GroupCode.BadMessage, `group message: index above ${MAX_GROUP_CHAIN_INDEX}`);
  }
  const end = bytes.byteLength - SIGNATURE_BYTES;
  const body = GROUP_MESSAGE_HEADER_BYTES + GROUP_NONCE_BYTES;
  return {
    header: {
      groupId: copyBytes(bytes.subarray(1, 17)),
      epoch: view.getUint32(17, false),
      sender: copyBytes(bytes.subarray(21, 53)),
      messageId: copyBytes(bytes.subarray(53, 69)),
      index,
    },
    nonce: copyBytes(bytes.subarray(GROUP_MESSAGE_HEADER_BYTES, body)),
    ciphertext: copyBytes(bytes.subarray(body, end)),
    signed: copyBytes(bytes.subarray(0, end)),
    signature: copyBytes(bytes.subarray(end)),
  };
}

/**
 * The header of a message, unauthenticated: for choosing the receiver chain (group, epoch,
 * sender) before openGroupMessage checks everything. Throws E_GROUP_BAD_MESSAGE.
 */
export function peekGroupMessageHeader(bytes: Uint8Array): GroupMessageHeader {
  return parseGroupMessage(bytes).header;
}

function isU32(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= 0xffff_ffff;
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === length;
}
