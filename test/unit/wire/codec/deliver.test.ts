import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, encodeFrameReference } from '../../../../src/wire/codec.js';
import type { Frame } from '../../../../src/wire/types.js';
import { alice, bytes, hex, samples } from './samples.js';

describe('wire/codec: relay frames', () => {
  describe('the hand-written Deliver encoder', () => {
    it('gives the same bytes as protobufjs for any seq, name, payload and time', () => {
      const names = ['a', 'alice', 'Ünïcødé_名前', 'x'.repeat(32)];
      const numbers = [0, 1, 127, 128, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
      for (const [i, seq] of numbers.entries()) {
        for (const name of names) {
          const frame: Frame = {
            ...samples.deliver,
            seq,
            from: { ...alice, pseudonym: name },
            ciphertext: bytes(16 + i * 41, i),
            storedAtMs: numbers[(i + 3) % numbers.length]!,
          };
          assert.equal(hex(encodeFrame(frame)), hex(encodeFrameReference(frame)), `${seq} ${name}`);
          assert.deepEqual(decodeFrame(encodeFrame(frame)), frame);
        }
      }
    });
  });
});
