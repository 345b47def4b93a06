/**
 * A receiver chain remembers the index of the share it started from (`start`), so that a
 * message sealed before that share (never meant for us: an add keeps the epoch) is told
 * apart from one whose key was evicted or lies too far ahead. docs/groups.md "Receiving".
 */
import assert from 'node:assert/strict';
import { GroupCode } from '../../../src/crypto/group-errors.js';
import type { GroupMessageContext } from '../../../src/crypto/group-message.js';
import { randomBytes } from '../../../src/crypto/random.js';
import {
  MAX_SKIPPED_GROUP_KEYS,
  newReceiverChain,
  newSenderChain,
  openGroupMessage,
  type ReceiverChain,
  type SenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../../src/crypto/sender-keys.js';
import {
  decodeReceiverChain,
  encodeReceiverChain,
  RECEIVER_CHAIN_FORMAT,
  RECEIVER_CHAIN_FORMAT_WITHOUT_START,
} from '../../../src/crypto/sender-keys-codec.js';
import { generateSigningKeyPair } from '../../../src/crypto/sign.js';
import { toHex, utf8 } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

const alice = generateSigningKeyPair().publicKey;
const ctx: GroupMessageContext = { groupId: randomBytes(16), epoch: 0, sender: alice };

function sealer(sender: SenderChain) {
  return (text: string) =>
    sealGroupMessage(sender, { ...ctx, messageId: randomBytes(16) }, utf8(text));
}

function text(opened: { plaintext: Uint8Array }): string {
  return Buffer.from(opened.plaintext).toString();
}

/** Receiver chain bytes laid out by hand from the format notes in sender-keys-codec.ts. */
function byHand(format: number, chain: ReceiverChain, withStart: boolean): Uint8Array {
  const indexes = [...chain.skipped.keys()].sort((a, b) => a - b);
  const out = new Uint8Array(1 + 32 + 32 + 12 + indexes.length * 36 + (withStart ? 4 : 0));
  const view = new DataView(out.buffer);
  out[0] = format;
  out.set(chain.signingPublicKey, 1);
  out.set(chain.chainKey, 33);
  view.setUint32(65, chain.nextIndex);
  view.setUint32(69, chain.floor);
  view.setUint32(73, indexes.length);
  let at = 77;
  for (const i of indexes) {
    view.setUint32(at, i);
    out.set(chain.skipped.get(i) ?? new Uint8Array(32), at + 4);
    at += 36;
  }
  if (withStart) view.setUint32(at, chain.start);
  return out;
}

/**
 * alice's chain with three messages sealed before bob got his share at index 3, then
 * MAX_SKIPPED_GROUP_KEYS + 3 after it (indexes 3 to 1005), of which bob has read 1003 and
 * 1005 only: the key of index 3 (the share's own) was evicted, 4 and later wait in the
 * skipped window.
 */
function lateAndEvicted() {
  const sender = newSenderChain();
  const send = sealer(sender);
  const before = [send('b0'), send('b1'), send('b2')];
  const bob = newReceiverChain(senderChainShare(sender));
  const after = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 3 }, (_, i) => send(`a${i + 3}`));
  openGroupMessage(bob, ctx, after[MAX_SKIPPED_GROUP_KEYS] as Uint8Array);
  openGroupMessage(bob, ctx, after[MAX_SKIPPED_GROUP_KEYS + 2] as Uint8Array);
  return { sender, send, bob, before, after };
}

describe('crypto/sender-keys: the share a receiver chain started from', () => {
  it('starts a receiver chain at its share index, with the floor there too', () => {
    const sender = newSenderChain();
    const send = sealer(sender);
    send('x');
    send('y');
    const chain = newReceiverChain(senderChainShare(sender));
    assert.equal(chain.start, 2);
    assert.equal(chain.floor, 2);
    assert.equal(chain.nextIndex, 2);
  });

  it('refuses a message sealed before the share with E_GROUP_BEFORE_SHARE, changing nothing, and opens the next', () => {
    const sender = newSenderChain();
    const send = sealer(sender);
    const early = send('sealed for the members alice knew');
    const late = newReceiverChain(senderChainShare(sender));
    const before = toHex(encodeReceiverChain(late));
    assert.equal(
      codeOf(() => openGroupMessage(late, ctx, early)),
      GroupCode.BeforeShare,
    );
    assert.equal(toHex(encodeReceiverChain(late)), before);
    assert.equal(text(openGroupMessage(late, ctx, send('after'))), 'after');
  });

  it('checks the signature before the index: a forgery below the share is still E_GROUP_BAD_SIGNATURE', () => {
    const sender = newSenderChain();
    const forger: SenderChain = { ...senderChainShare(sender), signing: generateSigningKeyPair() };
    const forged = sealer(forger)('not from alice');
    sealer(sender)('advance');
    const late = newReceiverChain(senderChainShare(sender));
    assert.equal(
      codeOf(() => openGroupMessage(late, ctx, forged)),
      GroupCode.BadSignature,
    );
  });

  it('still refuses an evicted index after the share with E_GROUP_KEY_UNAVAILABLE', () => {
    const { bob, before, after } = lateAndEvicted();
    assert.equal(bob.start, 3);
    assert.equal(bob.floor, 4, 'the key of index 3 was evicted');
    assert.equal(
      codeOf(() => openGroupMessage(bob, ctx, after[0] as Uint8Array)),
      GroupCode.KeyUnavailable,
    );
    for (const m of before) {
      assert.equal(
        codeOf(() => openGroupMessage(bob, ctx, m)),
        GroupCode.BeforeShare,
      );
    }
    assert.equal(text(openGroupMessage(bob, ctx, after[1] as Uint8Array)), 'a4');
    assert.equal(
      codeOf(() => openGroupMessage(bob, ctx, after[1] as Uint8Array)),
      GroupCode.Replay,
    );
  });

  it('still refuses a jump past the skipped window with E_GROUP_TOO_FAR_AHEAD', () => {
    const sender = newSenderChain();
    const send = sealer(sender);
    send('before');
    const late = newReceiverChain(senderChainShare(sender));
    const messages = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 2 }, (_, i) => send(`m${i}`));
    assert.equal(
      codeOf(() => openGroupMessage(late, ctx, messages.at(-1) as Uint8Array)),
      GroupCode.TooFarAhead,
    );
  });

  describe('as bytes', () => {
    it('writes the layout with start (format 0x72) and round-trips start, floor and skipped keys', () => {
      const { bob, before, after } = lateAndEvicted();
      const bytes = encodeReceiverChain(bob);
      assert.equal(RECEIVER_CHAIN_FORMAT, 0x72);
      assert.equal(bytes[0], RECEIVER_CHAIN_FORMAT);
      assert.equal(toHex(bytes), toHex(byHand(RECEIVER_CHAIN_FORMAT, bob, true)));
      const restored = decodeReceiverChain(bytes);
      assert.deepEqual(restored, bob);
      assert.equal(restored.start, 3);
      assert.equal(
        codeOf(() => openGroupMessage(restored, ctx, before[0] as Uint8Array)),
        GroupCode.BeforeShare,
      );
      assert.equal(
        codeOf(() => openGroupMessage(restored, ctx, after[0] as Uint8Array)),
        GroupCode.KeyUnavailable,
      );
      assert.equal(text(openGroupMessage(restored, ctx, after[2] as Uint8Array)), 'a5');
    });

    it('still decodes the first layout (format 0x52, no start) with start at the floor', () => {
      const sender = newSenderChain();
      const send = sealer(sender);
      const early = send('early');
      const chain = newReceiverChain(senderChainShare(sender));
      const messages = ['m1', 'm2', 'm3'].map(send);
      openGroupMessage(chain, ctx, messages[2] as Uint8Array);
      assert.equal(RECEIVER_CHAIN_FORMAT_WITHOUT_START, 0x52);
      const old = decodeReceiverChain(byHand(RECEIVER_CHAIN_FORMAT_WITHOUT_START, chain, false));
      assert.deepEqual(old, chain, 'a chain that evicted nothing began at its floor');
      assert.equal(
        codeOf(() => openGroupMessage(old, ctx, early)),
        GroupCode.BeforeShare,
      );
      assert.equal(text(openGroupMessage(old, ctx, messages[0] as Uint8Array)), 'm1');
      const again = encodeReceiverChain(old);
      assert.equal(again[0], RECEIVER_CHAIN_FORMAT, 'written back in the layout with start');
      assert.deepEqual(decodeReceiverChain(again), old);
    });

    it('refuses a start above the floor, a missing or extra start, and an unknown format with E_GROUP_BAD_STATE', () => {
      const { bob } = lateAndEvicted();
      const bytes = encodeReceiverChain(bob);
      const startAt = bytes.byteLength - 4;
      const aboveFloor = new Uint8Array(bytes);
      new DataView(aboveFloor.buffer).setUint32(startAt, bob.floor + 1);
      const oldWithStart = new Uint8Array(bytes);
      oldWithStart[0] = RECEIVER_CHAIN_FORMAT_WITHOUT_START;
      const otherFormat = new Uint8Array(bytes);
      otherFormat[0] = 0x73;
      const cases: Array<[string, Uint8Array]> = [
        ['start above the floor', aboveFloor],
        ['start missing', bytes.subarray(0, startAt)],
        ['the first layout with a start after it', oldWithStart],
        ['an unknown format byte', otherFormat],
      ];
      for (const [name, b] of cases) {
        assert.equal(
          codeOf(() => decodeReceiverChain(b)),
          GroupCode.BadState,
          name,
        );
      }
    });
  });
});
