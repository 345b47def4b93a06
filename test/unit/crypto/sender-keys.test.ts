import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { BOX_OVERHEAD_BYTES, NONCE_BYTES } from '../../../src/crypto/box.js';
import { GroupCode } from '../../../src/crypto/group-errors.js';
import {
  GROUP_MESSAGE_HEADER_BYTES,
  GROUP_NONCE_BYTES,
  GROUP_TAG_BYTES,
  type GroupMessageContext,
  MAX_GROUP_CHAIN_INDEX,
  MIN_GROUP_MESSAGE_BYTES,
  parseGroupMessage,
  peekGroupMessageHeader,
  TAG_GROUP_MESSAGE,
} from '../../../src/crypto/group-message.js';
import { randomBytes } from '../../../src/crypto/random.js';
import {
  MAX_SKIPPED_GROUP_KEYS,
  newReceiverChain,
  newSenderChain,
  openGroupMessage,
  type ReceiverChain,
  ratchetStep,
  type SenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../../src/crypto/sender-keys.js';
import {
  decodeReceiverChain,
  decodeSenderChain,
  decodeSenderChainShare,
  encodeReceiverChain,
  encodeSenderChain,
  encodeSenderChainShare,
} from '../../../src/crypto/sender-keys-codec.js';
import { domainMessage, generateSigningKeyPair, verify } from '../../../src/crypto/sign.js';
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

interface RatchetVector {
  steps: Array<{ index: number; chainKey: string; messageKey: string }>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/group-vectors.json', import.meta.url), 'utf8'),
) as { senderKeyRatchet: RatchetVector };

function hmac(key: Uint8Array, byte: number): string {
  return createHmac('sha256', key)
    .update(new Uint8Array([byte]))
    .digest('hex');
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

const alice = generateSigningKeyPair().publicKey;
const mallory = generateSigningKeyPair().publicKey;
const groupId = randomBytes(16);
const ctx: GroupMessageContext = { groupId, epoch: 3, sender: alice };

/** alice's chain and a receiver of it from index 0, and a function that seals the next text. */
function pair(): {
  sender: SenderChain;
  receiver: ReceiverChain;
  send: (text: string) => Uint8Array;
} {
  const sender = newSenderChain();
  const receiver = newReceiverChain(senderChainShare(sender));
  const send = (text: string) =>
    sealGroupMessage(sender, { ...ctx, messageId: randomBytes(16) }, utf8(text));
  return { sender, receiver, send };
}

function text(opened: { plaintext: Uint8Array }): string {
  return Buffer.from(opened.plaintext).toString();
}

/** A chain with a fixed chain key (the fixture's), for known answers. */
function fixedChain(): SenderChain {
  return {
    chainKey: fromHex(vectors.senderKeyRatchet.steps[0]!.chainKey),
    index: 0,
    signing: generateSigningKeyPair(),
  };
}

describe('crypto/sender-keys', () => {
  describe('ratchet known answers (test/fixtures/group-vectors.json)', () => {
    const steps = vectors.senderKeyRatchet.steps;

    it('derives the pinned message and chain keys from chain key 00..1f', () => {
      let chainKey = fromHex(steps[0]!.chainKey);
      for (const step of steps) {
        assert.equal(toHex(chainKey), step.chainKey, `CK_${step.index}`);
        const next = ratchetStep(chainKey);
        assert.equal(toHex(next.messageKey), step.messageKey, `MK_${step.index}`);
        chainKey = next.nextChainKey;
      }
    });

    it('is HMAC-SHA256(CK, 0x01) for the message key and HMAC-SHA256(CK, 0x02) for the next chain key', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (chainKey) => {
          const step = ratchetStep(chainKey);
          assert.equal(toHex(step.messageKey), hmac(chainKey, 0x01));
          assert.equal(toHex(step.nextChainKey), hmac(chainKey, 0x02));
        }),
      );
    });

    it('seals message i under message key i and advances the chain', () => {
      const chain = fixedChain();
      for (const step of steps) {
        const bytes = sealGroupMessage(
          chain,
          { ...ctx, messageId: randomBytes(16) },
          utf8(`m${step.index}`),
        );
        const parsed = parseGroupMessage(bytes);
        assert.equal(parsed.header.index, step.index);
        const opened = nacl.secretbox.open(
          parsed.ciphertext,
          parsed.nonce,
          fromHex(step.messageKey),
        );
        assert.ok(opened, `message ${step.index} opens under the pinned key`);
        assert.equal(Buffer.from(opened).toString(), `m${step.index}`);
        assert.equal(chain.index, step.index + 1);
        assert.equal(toHex(chain.chainKey), hmac(fromHex(step.chainKey), 0x02));
      }
    });
  });

  describe('message layout', () => {
    it('repeats box.ts sizes exactly', () => {
      assert.equal(GROUP_NONCE_BYTES, NONCE_BYTES);
      assert.equal(GROUP_TAG_BYTES, BOX_OVERHEAD_BYTES);
    });

    it('carries the header, a fresh nonce, the box and the chain signature over all of it', () => {
      const { sender, send } = pair();
      const a = send('same');
      const b = send('same');
      const pa = parseGroupMessage(a);
      assert.equal(a.byteLength, MIN_GROUP_MESSAGE_BYTES + 4);
      assert.equal(toHex(pa.header.groupId), toHex(groupId));
      assert.equal(pa.header.epoch, 3);
      assert.equal(toHex(pa.header.sender), toHex(alice));
      assert.equal(pa.header.index, 0);
      assert.equal(parseGroupMessage(b).header.index, 1);
      assert.notEqual(toHex(pa.nonce), toHex(parseGroupMessage(b).nonce));
      assert.equal(toHex(pa.signed), toHex(a.subarray(0, a.byteLength - 64)));
      assert.equal(GROUP_MESSAGE_HEADER_BYTES, 73);
      assert.ok(
        verify(sender.signing.publicKey, domainMessage(TAG_GROUP_MESSAGE, pa.signed), pa.signature),
      );
      assert.deepEqual(peekGroupMessageHeader(a), pa.header);
    });

    it('refuses malformed messages with E_GROUP_BAD_MESSAGE', () => {
      const { receiver, send } = pair();
      const good = send('hello');
      const badFormat = new Uint8Array(good);
      badFormat[0] = 2;
      const highIndex = new Uint8Array(good);
      highIndex.set([0xff, 0xff, 0xff, 0xff], 69);
      for (const bytes of [
        good.subarray(0, MIN_GROUP_MESSAGE_BYTES - 1),
        new Uint8Array(0),
        badFormat,
        highIndex,
      ]) {
        assert.equal(
          codeOf(() => openGroupMessage(receiver, ctx, bytes)),
          GroupCode.BadMessage,
        );
      }
      assert.equal(text(openGroupMessage(receiver, ctx, good)), 'hello');
    });

    it('refuses to seal a malformed header', () => {
      const { sender } = pair();
      const cases = [
        { ...ctx, messageId: new Uint8Array(15) },
        { ...ctx, groupId: new Uint8Array(17), messageId: randomBytes(16) },
        { ...ctx, sender: new Uint8Array(31), messageId: randomBytes(16) },
        { ...ctx, epoch: -1, messageId: randomBytes(16) },
        { ...ctx, epoch: 2 ** 32, messageId: randomBytes(16) },
      ];
      for (const header of cases) {
        assert.equal(
          codeOf(() => sealGroupMessage(sender, header, utf8('x'))),
          GroupCode.BadMessage,
        );
      }
      assert.equal(sender.index, 0, 'a refused seal does not advance the chain');
    });
  });

  describe('opening', () => {
    it('opens messages in order and returns the authenticated header', () => {
      const { receiver, send } = pair();
      for (const [i, t] of ['one', 'two', 'three'].entries()) {
        const opened = openGroupMessage(receiver, ctx, send(t));
        assert.equal(text(opened), t);
        assert.equal(opened.header.index, i);
        assert.equal(receiver.nextIndex, i + 1);
        assert.equal(receiver.skipped.size, 0);
      }
    });

    it('opens out-of-order messages within the window, each once', () => {
      const { receiver, send } = pair();
      const messages = ['m0', 'm1', 'm2', 'm3', 'm4'].map(send);
      for (const i of [4, 1, 3, 0, 2]) {
        assert.equal(text(openGroupMessage(receiver, ctx, messages[i]!)), `m${i}`);
      }
      assert.equal(receiver.skipped.size, 0);
      assert.equal(receiver.nextIndex, 5);
      for (const m of messages)
        assert.equal(
          codeOf(() => openGroupMessage(receiver, ctx, m)),
          GroupCode.Replay,
        );
    });

    it('opens any delivery order of a batch exactly once (property)', () => {
      const { receiver, send } = pair();
      const messages = Array.from({ length: 12 }, (_, i) => send(`m${i}`));
      fc.assert(
        fc.property(
          fc.shuffledSubarray([...messages.keys()], { minLength: 12, maxLength: 12 }),
          (order) => {
            // Each run reads a fresh copy of the same receiver chain.
            const chain = decodeReceiverChain(encodeReceiverChain(receiver));
            for (const i of order)
              assert.equal(text(openGroupMessage(chain, ctx, messages[i]!)), `m${i}`);
            for (const i of order)
              assert.equal(
                codeOf(() => openGroupMessage(chain, ctx, messages[i]!)),
                GroupCode.Replay,
              );
          },
        ),
        { numRuns: 50 },
      );
    });

    it(`skips up to MAX_SKIPPED_GROUP_KEYS (${MAX_SKIPPED_GROUP_KEYS}) keys and refuses a bigger jump`, () => {
      const { receiver, send } = pair();
      const messages = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 2 }, (_, i) => send(`m${i}`));
      const before = toHex(encodeReceiverChain(receiver));
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS + 1]!)),
        GroupCode.TooFarAhead,
      );
      assert.equal(
        toHex(encodeReceiverChain(receiver)),
        before,
        'a refused message changes nothing',
      );
      assert.equal(
        text(openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS]!)),
        `m${MAX_SKIPPED_GROUP_KEYS}`,
      );
      assert.equal(receiver.skipped.size, MAX_SKIPPED_GROUP_KEYS);
      assert.equal(text(openGroupMessage(receiver, ctx, messages[0]!)), 'm0');
      assert.equal(
        text(openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS + 1]!)),
        `m${MAX_SKIPPED_GROUP_KEYS + 1}`,
      );
    });

    it('keeps at most MAX_SKIPPED_GROUP_KEYS skipped keys, evicting the oldest', () => {
      const { receiver, send } = pair();
      const messages = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 501 }, (_, i) =>
        send(`m${i}`),
      );
      openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS]!);
      openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS + 500]!);
      assert.equal(receiver.skipped.size, MAX_SKIPPED_GROUP_KEYS);
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, messages[0]!)),
        GroupCode.KeyUnavailable,
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, messages[498]!)),
        GroupCode.KeyUnavailable,
      );
      assert.equal(text(openGroupMessage(receiver, ctx, messages[499]!)), 'm499');
      assert.equal(
        text(openGroupMessage(receiver, ctx, messages[MAX_SKIPPED_GROUP_KEYS + 499]!)),
        `m${MAX_SKIPPED_GROUP_KEYS + 499}`,
      );
    });

    it('gives a member who joined mid-chain nothing from before its share', () => {
      const { sender, send } = pair();
      const early = [send('before 0'), send('before 1')];
      const late = newReceiverChain(senderChainShare(sender));
      const after = send('after');
      for (const m of early)
        assert.equal(
          codeOf(() => openGroupMessage(late, ctx, m)),
          GroupCode.BeforeShare,
        );
      assert.equal(text(openGroupMessage(late, ctx, after)), 'after');
    });
  });

  describe('refusing what a member, the relay or an outsider could send', () => {
    it("refuses a message sealed with alice's chain key but signed by another member's chain", () => {
      const { sender, receiver } = pair();
      // mallory, a member, holds alice's chain key (everyone does) but not her signing key.
      const forger: SenderChain = {
        ...senderChainShare(sender),
        signing: generateSigningKeyPair(),
      };
      const forged = sealGroupMessage(
        forger,
        { ...ctx, messageId: randomBytes(16) },
        utf8('from alice, honest'),
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, forged)),
        GroupCode.BadSignature,
      );
      assert.equal(receiver.nextIndex, 0);
    });

    it("refuses another member's genuine message presented as alice's", () => {
      const { receiver } = pair();
      const malloryChain = newSenderChain();
      const own = sealGroupMessage(
        malloryChain,
        { ...ctx, sender: mallory, messageId: randomBytes(16) },
        utf8('hi'),
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, own)),
        GroupCode.WrongSender,
      );
      const relabelled = sealGroupMessage(
        malloryChain,
        { ...ctx, messageId: randomBytes(16) },
        utf8('hi'),
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, relabelled)),
        GroupCode.BadSignature,
      );
    });

    it('refuses any byte changed in transit', () => {
      const { receiver, send } = pair();
      const good = send('hello');
      for (const at of [
        1,
        20,
        30,
        60,
        72,
        80,
        GROUP_MESSAGE_HEADER_BYTES + 24,
        good.byteLength - 70,
        good.byteLength - 1,
      ]) {
        const bad = new Uint8Array(good);
        bad[at] = (bad[at] ?? 0) ^ 0x40;
        const code = codeOf(() => openGroupMessage(receiver, ctx, bad));
        assert.ok(
          [
            GroupCode.BadSignature,
            GroupCode.WrongGroup,
            GroupCode.WrongEpoch,
            GroupCode.WrongSender,
          ].includes(code as never),
          `byte ${at}: ${code}`,
        );
      }
      assert.equal(text(openGroupMessage(receiver, ctx, good)), 'hello');
    });

    it('refuses a replay of a message already read', () => {
      const { receiver, send } = pair();
      const m0 = send('once');
      const m2 = [send('skipped'), send('later')][1]!;
      openGroupMessage(receiver, ctx, m0);
      openGroupMessage(receiver, ctx, m2);
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, m0)),
        GroupCode.Replay,
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, m2)),
        GroupCode.Replay,
      );
    });

    it('refuses a message for another group or another epoch', () => {
      const { receiver, send } = pair();
      const m = send('hello');
      assert.equal(
        codeOf(() => openGroupMessage(receiver, { ...ctx, groupId: randomBytes(16) }, m)),
        GroupCode.WrongGroup,
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, { ...ctx, epoch: 4 }, m)),
        GroupCode.WrongEpoch,
      );
      const { sender } = pair();
      const oldEpoch = sealGroupMessage(
        sender,
        { ...ctx, epoch: 2, messageId: randomBytes(16) },
        utf8('x'),
      );
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, oldEpoch)),
        GroupCode.WrongEpoch,
      );
      assert.equal(text(openGroupMessage(receiver, ctx, m)), 'hello');
    });

    it('reports a signed message under a chain key we do not share as undecryptable, changing nothing', () => {
      const { sender, receiver } = pair();
      const diverged: SenderChain = { ...sender, chainKey: randomBytes(32) };
      const m = sealGroupMessage(diverged, { ...ctx, messageId: randomBytes(16) }, utf8('x'));
      const before = toHex(encodeReceiverChain(receiver));
      assert.equal(
        codeOf(() => openGroupMessage(receiver, ctx, m)),
        GroupCode.Undecryptable,
      );
      assert.equal(toHex(encodeReceiverChain(receiver)), before);
    });
  });

  describe('forward secrecy', () => {
    it('deletes key i once used: neither the state nor its bytes hold it, and a restored state cannot reopen it', () => {
      const sender = fixedChain();
      const receiver = newReceiverChain(senderChainShare(sender));
      const seal = (t: string) =>
        sealGroupMessage(sender, { ...ctx, messageId: randomBytes(16) }, utf8(t));
      const [m0, m1, m2] = [seal('zero'), seal('one'), seal('two')];
      const steps = vectors.senderKeyRatchet.steps;
      const secretsOf = (i: number) => [fromHex(steps[i]!.chainKey), fromHex(steps[i]!.messageKey)];

      const senderBytes = encodeSenderChain(sender);
      for (const i of [0, 1, 2]) {
        for (const secret of secretsOf(i))
          assert.ok(!contains(senderBytes, secret), `sender state holds a key of ${i}`);
      }

      openGroupMessage(receiver, ctx, m2!);
      openGroupMessage(receiver, ctx, m0!);
      assert.equal(receiver.skipped.has(0), false);
      assert.equal(receiver.skipped.has(2), false);
      assert.equal(receiver.skipped.has(1), true, 'the skipped key waits for its message');
      const stored = encodeReceiverChain(receiver);
      for (const i of [0, 2]) {
        for (const secret of secretsOf(i))
          assert.ok(!contains(stored, secret), `receiver state holds a key of ${i}`);
      }
      assert.ok(!contains(stored, secretsOf(1)[0]!), 'CK_1 was ratcheted past');

      const restored = decodeReceiverChain(stored);
      assert.equal(
        codeOf(() => openGroupMessage(restored, ctx, m0!)),
        GroupCode.Replay,
      );
      assert.equal(
        codeOf(() => openGroupMessage(restored, ctx, m2!)),
        GroupCode.Replay,
      );
      assert.equal(text(openGroupMessage(restored, ctx, m1!)), 'one');
      assert.ok(!contains(encodeReceiverChain(restored), secretsOf(1)[1]!));
    });
  });

  describe('chain states as bytes', () => {
    it('round-trips a sender chain, which then seals what the receiver expects', () => {
      const { sender, receiver, send } = pair();
      openGroupMessage(receiver, ctx, send('a'));
      const restored = decodeSenderChain(encodeSenderChain(sender));
      assert.equal(restored.index, 1);
      assert.equal(toHex(restored.chainKey), toHex(sender.chainKey));
      assert.equal(toHex(restored.signing.secretKey), toHex(sender.signing.secretKey));
      const m = sealGroupMessage(restored, { ...ctx, messageId: randomBytes(16) }, utf8('b'));
      assert.equal(text(openGroupMessage(receiver, ctx, m)), 'b');
    });

    it('round-trips a share and a receiver chain with skipped keys', () => {
      const { sender, receiver, send } = pair();
      const share = decodeSenderChainShare(encodeSenderChainShare(senderChainShare(sender)));
      assert.deepEqual(share, senderChainShare(sender));
      const messages = ['a', 'b', 'c', 'd'].map(send);
      openGroupMessage(receiver, ctx, messages[3]!);
      const restored = decodeReceiverChain(encodeReceiverChain(receiver));
      assert.deepEqual(restored, receiver);
      assert.equal(text(openGroupMessage(restored, ctx, messages[1]!)), 'b');
    });

    it('refuses damaged or mislabelled bytes with E_GROUP_BAD_STATE', () => {
      const { sender, receiver, send } = pair();
      for (const t of ['a', 'b', 'c']) send(t);
      openGroupMessage(receiver, ctx, send('d'));
      const senderBytes = encodeSenderChain(sender);
      const shareBytes = encodeSenderChainShare(senderChainShare(sender));
      const receiverBytes = encodeReceiverChain(receiver);
      const withU32 = (bytes: Uint8Array, at: number, value: number) => {
        const copy = new Uint8Array(bytes);
        new DataView(copy.buffer).setUint32(at, value, false);
        return copy;
      };
      const cases: Array<[string, () => unknown]> = [
        ['sender truncated', () => decodeSenderChain(senderBytes.subarray(0, 68))],
        ['sender extended', () => decodeSenderChain(new Uint8Array([...senderBytes, 0]))],
        ['share read as a sender chain', () => decodeSenderChain(shareBytes)],
        ['sender read as a share', () => decodeSenderChainShare(senderBytes)],
        [
          'share with a zero signing key',
          () =>
            decodeSenderChainShare(
              new Uint8Array([...shareBytes.subarray(0, 37), ...new Uint8Array(32)]),
            ),
        ],
        [
          'receiver truncated',
          () => decodeReceiverChain(receiverBytes.subarray(0, receiverBytes.byteLength - 1)),
        ],
        ['receiver empty', () => decodeReceiverChain(new Uint8Array(0))],
        ['floor above next index', () => decodeReceiverChain(withU32(receiverBytes, 69, 0xffff))],
        [
          'skipped count over the bound',
          () => decodeReceiverChain(withU32(receiverBytes, 73, MAX_SKIPPED_GROUP_KEYS + 1)),
        ],
        ['skipped indexes out of order', () => decodeReceiverChain(withU32(receiverBytes, 77, 2))],
        [
          'skipped index not below next index',
          () => decodeReceiverChain(withU32(receiverBytes, 77 + 36 * 2, 4)),
        ],
        [
          'share with a short chain key',
          () => newReceiverChain({ ...senderChainShare(sender), chainKey: new Uint8Array(31) }),
        ],
      ];
      for (const [name, fn] of cases) assert.equal(codeOf(fn), GroupCode.BadState, name);
    });
  });

  describe(`MAX_GROUP_CHAIN_INDEX (${MAX_GROUP_CHAIN_INDEX})`, () => {
    it('seals the last index, then refuses: the chain must be rotated', () => {
      const sender: SenderChain = { ...newSenderChain(), index: MAX_GROUP_CHAIN_INDEX };
      const receiver = newReceiverChain(senderChainShare(sender));
      const last = sealGroupMessage(sender, { ...ctx, messageId: randomBytes(16) }, utf8('last'));
      assert.equal(text(openGroupMessage(receiver, ctx, last)), 'last');
      assert.equal(
        codeOf(() =>
          sealGroupMessage(sender, { ...ctx, messageId: randomBytes(16) }, utf8('one more')),
        ),
        GroupCode.ChainExhausted,
      );
      const restored = decodeSenderChain(encodeSenderChain(sender));
      assert.equal(restored.index, MAX_GROUP_CHAIN_INDEX + 1);
      assert.equal(
        codeOf(() => newReceiverChain(senderChainShare(restored))),
        GroupCode.BadState,
      );
    });
  });
});
