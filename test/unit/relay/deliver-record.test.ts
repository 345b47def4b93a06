import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { deliverStoredAt, deliverWithSeq } from '../../../src/relay/deliver-record.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import type { FrameOf } from '../../../src/wire/types.js';
import { cardOf } from '../../helpers/raw-client.js';

const deliver = (seq: number, ciphertextBytes: number): FrameOf<'deliver'> => ({
  type: 'deliver',
  seq,
  from: cardOf(generateIdentity(), 'alice'),
  msgId: randomBytes(16),
  nonce: randomBytes(24),
  ciphertext: randomBytes(ciphertextBytes),
  storedAtMs: 1_700_000_000_000,
});

describe('stored 1:1 records: a cluster gives a Deliver stored with seq 0 its seq', () => {
  it('makes the same bytes as encoding the frame with its seq, at every varint width', () => {
    for (const ciphertextBytes of [16, 100, 127, 128, 20_000]) {
      const stored = deliver(0, ciphertextBytes);
      for (const seq of [1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
        const want = Buffer.from(encodeFrame({ ...stored, seq }));
        const got = Buffer.from(deliverWithSeq(encodeFrame(stored), seq));
        assert.ok(got.equals(want), `seq ${seq}, ${ciphertextBytes} bytes of ciphertext`);
      }
    }
  });

  it('replaces a seq already in the record, and refuses what is not a Deliver', () => {
    const stored = deliver(5, 40);
    const want = Buffer.from(encodeFrame({ ...stored, seq: 9 }));
    assert.ok(Buffer.from(deliverWithSeq(encodeFrame(stored), 9)).equals(want));
    assert.throws(() => deliverWithSeq(encodeFrame({ type: 'ping', nonce: 1 } as never), 1));
    assert.throws(() => deliverWithSeq(new Uint8Array([0x42, 0x05, 0x01]), 1));
  });
});

describe('stored 1:1 records: the store time read back at open', () => {
  it("is the decoded frame's, at every field width, and null for what is not a Deliver", () => {
    for (const ciphertextBytes of [16, 127, 128, 20_000]) {
      for (const storedAtMs of [0, 1, 127, 128, 1_700_000_000_000, Number.MAX_SAFE_INTEGER]) {
        for (const seq of [0, 1, 2 ** 40]) {
          const record = encodeFrame({ ...deliver(seq, ciphertextBytes), storedAtMs });
          const frame = decodeFrame(record);
          assert.ok(frame.type === 'deliver');
          assert.equal(deliverStoredAt(record), frame.storedAtMs, `${storedAtMs}, seq ${seq}`);
        }
      }
    }
    assert.equal(deliverStoredAt(encodeFrame({ type: 'ping', nonce: 1 } as never)), null);
    assert.equal(deliverStoredAt(new Uint8Array([0x42, 0x05, 0x01])), null);
    const cut = encodeFrame(deliver(3, 100));
    assert.equal(deliverStoredAt(cut.subarray(0, cut.length - 3)), null);
  });
});
