import { copyBytes } from '../util/bytes.js';
import { GroupCode, groupError } from './group-errors.js';
import { MAX_GROUP_CHAIN_INDEX } from './group-message.js';
import {
  CHAIN_KEY_BYTES,
  MAX_SKIPPED_GROUP_KEYS,
  type ReceiverChain,
  type SenderChain,
  type SenderChainShare,
} from './sender-keys.js';
import {
  isValidSignPublicKey,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SEED_BYTES,
  signingKeyPairFromSeed,
} from './sign.js';

/**
 * The bytes of the sender-key states, for the client's store (it persists bytes or their
 * base64) and for the share sent inside a 1:1 message. Each starts with its own format byte,
 * so one kind is never read as another. u32 fields are big-endian. Frozen: stored data must
 * decode after upgrades; a new layout takes a new format byte.
 *
 *   sender chain   0x53 'S' ‖ chain key 32 ‖ index u32 ‖ signing seed 32
 *   share          0x4b 'K' ‖ chain key 32 ‖ index u32 ‖ signing public key 32
 *   receiver chain 0x72 'r' ‖ signing public key 32 ‖ chain key 32 ‖ next index u32 ‖ floor u32
 *                  ‖ count u32 ‖ count × (index u32 ‖ message key 32), indexes ascending
 *                  ‖ start u32
 *
 * The first receiver chain layout, 0x52 'R', is the same without start; it is still decoded,
 * with start = floor. Start came later, to tell a message sealed before the share the chain
 * began at (never meant for us: quiet) from one whose key was evicted (reported); it goes last
 * so both layouts read alike. A 0x52 chain began at its floor unless it has evicted keys
 * (more than MAX_SKIPPED_GROUP_KEYS skipped, rare with mail in order per sender); in such a
 * chain the evicted indexes read as before its share.
 *
 * Decoding checks every size, range and invariant and throws E_GROUP_BAD_STATE; the result
 * owns its memory.
 */

export const SENDER_CHAIN_FORMAT = 0x53;
export const CHAIN_SHARE_FORMAT = 0x4b;
/** The receiver chain layout written now (with start). */
export const RECEIVER_CHAIN_FORMAT = 0x72;
/** The first receiver chain layout (no start): decoded only, for chains stored before. */
export const RECEIVER_CHAIN_FORMAT_WITHOUT_START = 0x52;

const SENDER_CHAIN_BYTES = 1 + CHAIN_KEY_BYTES + 4 + SIGN_SEED_BYTES;
const CHAIN_SHARE_BYTES = 1 + CHAIN_KEY_BYTES + 4 + SIGN_PUBLIC_KEY_BYTES;
const RECEIVER_FIXED_BYTES = 1 + SIGN_PUBLIC_KEY_BYTES + CHAIN_KEY_BYTES + 4 + 4 + 4;
const SKIPPED_ENTRY_BYTES = 4 + CHAIN_KEY_BYTES;
const START_BYTES = 4;

export function encodeSenderChain(chain: SenderChain): Uint8Array {
  const w = new Writer(SENDER_CHAIN_BYTES);
  w.byte(SENDER_CHAIN_FORMAT);
  w.bytes(chain.chainKey, CHAIN_KEY_BYTES);
  w.u32(chain.index);
  w.bytes(chain.signing.secretKey.subarray(0, SIGN_SEED_BYTES), SIGN_SEED_BYTES);
  return w.done();
}

export function decodeSenderChain(bytes: Uint8Array): SenderChain {
  const r = new Reader(bytes, [SENDER_CHAIN_FORMAT], 'sender chain');
  r.exactLength(SENDER_CHAIN_BYTES);
  const chainKey = r.bytes(CHAIN_KEY_BYTES);
  const index = r.u32();
  // A sender chain may sit one past the last index a message may carry: exhausted, not corrupt.
  if (index > MAX_GROUP_CHAIN_INDEX + 1) throw r.bad('index out of range');
  const seed = r.bytes(SIGN_SEED_BYTES);
  const signing = signingKeyPairFromSeed(seed);
  seed.fill(0);
  return { chainKey, index, signing };
}

export function encodeSenderChainShare(share: SenderChainShare): Uint8Array {
  const w = new Writer(CHAIN_SHARE_BYTES);
  w.byte(CHAIN_SHARE_FORMAT);
  w.bytes(share.chainKey, CHAIN_KEY_BYTES);
  w.u32(share.index);
  w.bytes(share.signingPublicKey, SIGN_PUBLIC_KEY_BYTES);
  return w.done();
}

export function decodeSenderChainShare(bytes: Uint8Array): SenderChainShare {
  const r = new Reader(bytes, [CHAIN_SHARE_FORMAT], 'chain share');
  r.exactLength(CHAIN_SHARE_BYTES);
  const chainKey = r.bytes(CHAIN_KEY_BYTES);
  const index = r.u32();
  if (index > MAX_GROUP_CHAIN_INDEX) throw r.bad('index out of range');
  const signingPublicKey = r.bytes(SIGN_PUBLIC_KEY_BYTES);
  if (!isValidSignPublicKey(signingPublicKey)) throw r.bad('not a valid Ed25519 signing key');
  return { chainKey, index, signingPublicKey };
}

export function encodeReceiverChain(chain: ReceiverChain): Uint8Array {
  const indexes = [...chain.skipped.keys()].sort((a, b) => a - b);
  const w = new Writer(RECEIVER_FIXED_BYTES + indexes.length * SKIPPED_ENTRY_BYTES + START_BYTES);
  w.byte(RECEIVER_CHAIN_FORMAT);
  w.bytes(chain.signingPublicKey, SIGN_PUBLIC_KEY_BYTES);
  w.bytes(chain.chainKey, CHAIN_KEY_BYTES);
  w.u32(chain.nextIndex);
  w.u32(chain.floor);
  w.u32(indexes.length);
  for (const i of indexes) {
    w.u32(i);
    w.bytes(chain.skipped.get(i) ?? new Uint8Array(0), CHAIN_KEY_BYTES);
  }
  w.u32(chain.start);
  return w.done();
}

export function decodeReceiverChain(bytes: Uint8Array): ReceiverChain {
  const r = new Reader(
    bytes,
    [RECEIVER_CHAIN_FORMAT, RECEIVER_CHAIN_FORMAT_WITHOUT_START],
    'receiver chain',
  );
  const withStart = r.format === RECEIVER_CHAIN_FORMAT;
  const signingPublicKey = r.bytes(SIGN_PUBLIC_KEY_BYTES);
  if (!isValidSignPublicKey(signingPublicKey)) throw r.bad('not a valid Ed25519 signing key');
  const chainKey = r.bytes(CHAIN_KEY_BYTES);
  const nextIndex = r.u32();
  const floor = r.u32();
  const count = r.u32();
  if (floor > nextIndex) throw r.bad('floor above the next index');
  if (count > MAX_SKIPPED_GROUP_KEYS) {
    throw r.bad(`more than ${MAX_SKIPPED_GROUP_KEYS} skipped keys`);
  }
  r.exactLength(RECEIVER_FIXED_BYTES + count * SKIPPED_ENTRY_BYTES + (withStart ? START_BYTES : 0));
  const skipped = new Map<number, Uint8Array>();
  let previous = -1;
  for (let n = 0; n < count; n++) {
    const index = r.u32();
    if (index <= previous || index < floor || index >= nextIndex) {
      throw r.bad('skipped indexes out of order or out of range');
    }
    skipped.set(index, r.bytes(CHAIN_KEY_BYTES));
    previous = index;
  }
  const start = withStart ? r.u32() : floor;
  if (start > floor) throw r.bad('start above the floor');
  return { signingPublicKey, chainKey, nextIndex, start, floor, skipped };
}

class Writer {
  readonly #out: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(length: number) {
    this.#out = new Uint8Array(length);
    this.#view = new DataView(this.#out.buffer);
  }

  byte(value: number): void {
    this.#out[this.#at++] = value;
  }

  u32(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw groupError(GroupCode.BadState, 'chain state: a counter is not a u32');
    }
    this.#view.setUint32(this.#at, value, false);
    this.#at += 4;
  }

  bytes(value: Uint8Array, length: number): void {
    if (!(value instanceof Uint8Array) || value.byteLength !== length) {
      throw groupError(GroupCode.BadState, `chain state: a field is not ${length} bytes`);
    }
    this.#out.set(value, this.#at);
    this.#at += length;
  }

  done(): Uint8Array {
    return this.#out;
  }
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  /** The format byte read, one of those the constructor accepted. */
  readonly format: number;
  #at = 1;

  constructor(bytes: Uint8Array, formats: readonly number[], what: string) {
    this.#what = what;
    const format = bytes instanceof Uint8Array ? bytes[0] : undefined;
    if (format === undefined || !formats.includes(format)) throw this.bad('wrong format byte');
    this.format = format;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  bad(why: string) {
    return groupError(GroupCode.BadState, `${this.#what}: ${why}`);
  }

  exactLength(length: number): void {
    if (this.#bytes.byteLength !== length) {
      throw this.bad(`${this.#bytes.byteLength} bytes, not ${length}`);
    }
  }

  u32(): number {
    if (this.#at + 4 > this.#bytes.byteLength) throw this.bad('truncated');
    const value = this.#view.getUint32(this.#at, false);
    this.#at += 4;
    return value;
  }

  bytes(length: number): Uint8Array {
    if (this.#at + length > this.#bytes.byteLength) throw this.bad('truncated');
    const value = copyBytes(this.#bytes.subarray(this.#at, this.#at + length));
    this.#at += length;
    return value;
  }
}
