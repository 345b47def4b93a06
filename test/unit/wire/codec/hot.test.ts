import assert from 'node:assert/strict';
import { ACK_TABLE } from '../../../../src/wire/codec/enums.js';
import {
  decodeDeliverAckFast,
  decodeFast,
  decodeSendFast,
  encodeSendAck,
} from '../../../../src/wire/codec/hot.js';
import {
  decodeFrame,
  encodeDeliver,
  encodeDeliverFrom,
  encodeDeliverOfSend,
  encodeFrame,
  encodeFrameReference,
  sendRecipientHex,
} from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
import { MAX_ACK_SEQS, MAX_SEALED_BYTES } from '../../../../src/wire/limits.js';
import type { FrameOf } from '../../../../src/wire/types.js';
import { alice, bytes, hex, plain, protocolError, rawFrame } from './samples.js';

const fieldsOf = ({ msgId, nonce, ciphertext }: FrameOf<'send'>) => ({ msgId, nonce, ciphertext });

const send = (ciphertextBytes: number): FrameOf<'send'> => ({
  type: 'send',
  to: bytes(32, 1),
  msgId: bytes(16, 0x40),
  nonce: bytes(24, 0x60),
  ciphertext: bytes(ciphertextBytes, 0x80),
});

describe('wire/codec: the per-message frames by hand (hot.ts)', () => {
  it('reads every Send protobufjs writes as the generic decoder does; owns its message id', () => {
    for (const size of [16, 17, 127, 128, 200, 16_383, 16_384, MAX_SEALED_BYTES]) {
      const f = send(size);
      const body = encodeFrameReference(f);
      const fast = decodeSendFast(body);
      assert.ok(fast, `${size}`);
      assert.deepEqual(plain(fast), f);
      assert.deepEqual(plain(decodeFrame(body)), f);
      // The id outlives the frame (the SendAck keeps it): overwriting the body leaves it.
      // Recipient, nonce and ciphertext are views, read in the Send's turn (hot.ts `view`).
      body.fill(0);
      assert.deepEqual(fast.msgId, f.msgId);
      for (const v of [fast.to, fast.nonce, fast.ciphertext]) {
        assert.equal(v.buffer, body.buffer, 'a view of the frame, not a copy');
        assert.ok(v.every((b) => b === 0));
      }
    }
  });

  it('writes a Deliver of a read Send from its bytes, as protobufjs writes it from the fields', () => {
    const numbers = [0, 1, 127, 128, 2 ** 32 + 5, 2 ** 53 - 1];
    for (const [i, size] of [16, 17, 127, 128, 200, 16_384, MAX_SEALED_BYTES].entries()) {
      const f = send(size);
      const read = decodeSendFast(encodeFrameReference(f));
      assert.ok(read);
      for (const [from, seq, storedAtMs] of [
        [alice, numbers[i % numbers.length]!, numbers[(i + 2) % numbers.length]!],
        [{ ...alice, pseudonym: 'Ünïcødé_名前' }, 7, 1_700_000_000_123],
      ] as const) {
        const deliver: FrameOf<'deliver'> = {
          type: 'deliver',
          seq,
          from,
          ...fieldsOf(f),
          storedAtMs,
        };
        const want = hex(encodeFrameReference(deliver));
        const fromField = encodeDeliverFrom(from);
        assert.equal(hex(encodeDeliverOfSend(read, seq, from, fromField, storedAtMs)), want);
        // A Send the generic decoder read (another layout) takes the generic encoder.
        assert.equal(hex(encodeDeliverOfSend(f, seq, from, fromField, storedAtMs)), want);
      }
      // A `from` field shorter than the Send's bytes before its sealed fields: they are
      // copied alone then (a real card's field is always longer: its id is 32 bytes).
      const short = Uint8Array.of(0x12, 0x01, 0x0a);
      const deliver: FrameOf<'deliver'> = {
        type: 'deliver',
        seq: 9,
        from: alice,
        ...fieldsOf(f),
        storedAtMs: 3,
      };
      assert.equal(
        hex(encodeDeliverOfSend(read, 9, alice, short, 3)),
        hex(encodeDeliver(deliver, short)),
      );
    }
  });

  it('names a Send’s recipient in hex, read in the frame or from the field', () => {
    for (let i = 0; i < 3; i++) {
      const f = { ...send(40), to: bytes(32, 0x10 + i) };
      const body = encodeFrameReference(f);
      const read = decodeSendFast(body);
      assert.ok(read);
      assert.equal(sendRecipientHex(read), hex(f.to));
      assert.equal(sendRecipientHex(read), hex(f.to), 'remembered');
      assert.equal(sendRecipientHex(f), hex(f.to));
      // The frame's buffer reused for another Send: its recipient, not the one remembered.
      body.fill(0x33, 4, 36);
      assert.equal(sendRecipientHex(read), '33'.repeat(32));
    }
  });

  it('reads every DeliverAck protobufjs writes, seqs up to 2^53 - 1, none to the most', () => {
    const lists = [
      [],
      [1],
      [0, 1, 127, 128, 2 ** 32, Number.MAX_SAFE_INTEGER],
      Array.from({ length: MAX_ACK_SEQS }, (_, i) => i * 1000),
    ];
    for (const seqs of lists) {
      const body = encodeFrameReference({ type: 'deliver-ack', seqs });
      assert.deepEqual(decodeDeliverAckFast(body), { type: 'deliver-ack', seqs });
      assert.deepEqual(decodeFrame(body), { type: 'deliver-ack', seqs });
    }
  });

  it('writes the bytes protobufjs writes for every SendAck code, with and without a reason', () => {
    for (const code of ACK_TABLE) {
      for (const reason of ['', 'recipient mailbox is full', 'é'.repeat(100)]) {
        const f: FrameOf<'send-ack'> = { type: 'send-ack', msgId: bytes(16, 3), code, reason };
        assert.equal(hex(encodeSendAck(f)), hex(encodeFrameReference(f)), `${code} ${reason}`);
        assert.equal(hex(encodeFrame(f)), hex(encodeFrameReference(f)));
        assert.deepEqual(decodeFrame(encodeSendAck(f)), f);
      }
    }
  });

  it('leaves other layouts and other frames to the generic decoder, which decides the same', () => {
    const f = send(40);
    const ref = Buffer.from(encodeFrameReference(f));
    // Fields out of order (msg_id before to): valid protobuf, not protobufjs's layout.
    const inner = Buffer.concat([
      Buffer.from([0x12, 16]),
      Buffer.from(f.msgId),
      Buffer.from([0x0a, 32]),
      Buffer.from(f.to),
      ref.subarray(ref.indexOf(0x1a, 2 + 2 + 32 + 2 + 16)),
    ]);
    const reordered = Buffer.concat([Buffer.from([0x32, inner.byteLength]), inner]);
    assert.equal(decodeSendFast(reordered), null);
    assert.deepEqual(decodeFrame(reordered), f);
    // Seqs not packed (one tag each): valid protobuf too.
    const unpacked = Uint8Array.from([0x4a, 4, 0x08, 5, 0x08, 7]);
    assert.equal(decodeDeliverAckFast(unpacked), null);
    assert.deepEqual(decodeFrame(unpacked), { type: 'deliver-ack', seqs: [5, 7] });
    assert.equal(decodeFast(encodeFrame({ type: 'ping', nonce: 5 })), null);
    for (const cut of [0, 1, 2, 10, ref.byteLength - 1]) {
      assert.equal(decodeFast(ref.subarray(0, cut)), null, `cut at ${cut}`);
    }
    assert.throws(
      () => decodeFrame(ref.subarray(0, ref.byteLength - 1)),
      protocolError(ProtocolCode.Malformed),
    );
  });

  it('refuses what the generic decoder refuses, with its codes', () => {
    const craft = (props: Partial<FrameOf<'send'>>) =>
      rawFrame({ send: { ...send(40), ...props } });
    assert.throws(
      () => decodeFrame(craft({ ciphertext: bytes(15) })),
      protocolError(ProtocolCode.BadLength),
    );
    assert.throws(
      () => decodeFrame(craft({ ciphertext: bytes(MAX_SEALED_BYTES + 1) })),
      protocolError(ProtocolCode.BadLength),
    );
    assert.throws(
      () => decodeFrame(craft({ to: bytes(31) })),
      protocolError(ProtocolCode.BadLength),
    );
    assert.throws(
      () => decodeFrame(craft({ nonce: new Uint8Array(0) })),
      protocolError(ProtocolCode.MissingField),
    );
    const tooMany = Array.from({ length: MAX_ACK_SEQS + 1 }, (_, i) => i);
    assert.throws(
      () => decodeFrame(rawFrame({ deliverAck: { seqs: tooMany } })),
      protocolError(ProtocolCode.TooMany),
    );
    // 2^53: past a safe integer, refused as the generic decoder's uint() does.
    const unsafe = rawFrame({ deliverAck: { seqs: [2 ** 53] } });
    assert.equal(decodeDeliverAckFast(unsafe), null);
    assert.throws(() => decodeFrame(unsafe), protocolError(ProtocolCode.BadValue));
  });
});
