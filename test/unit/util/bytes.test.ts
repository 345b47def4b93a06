import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { keyToHex, toHex } from '../../../src/util/bytes.js';

describe('util/bytes: keyToHex (recipient ids remembered by content)', () => {
  it('gives toHex for every key, first seen or remembered, and for a view of a reused buffer', () => {
    const keys = Array.from({ length: 2000 }, () => new Uint8Array(randomBytes(32)));
    for (let round = 0; round < 2; round++) {
      for (const k of keys) assert.equal(keyToHex(k), toHex(k));
    }
    // A view whose buffer is overwritten afterwards: what was remembered is a copy.
    const frame = new Uint8Array(64);
    frame.set(keys[0]!, 16);
    const view = frame.subarray(16, 48);
    assert.equal(keyToHex(view), toHex(keys[0]!));
    frame.fill(7);
    assert.equal(keyToHex(keys[0]!), toHex(keys[0]!));
    assert.equal(keyToHex(view), toHex(view));
  });

  it('never mistakes two keys that share their first bytes', () => {
    const a = new Uint8Array(randomBytes(32));
    const b = Uint8Array.from(a);
    b[31] = b[31]! ^ 0xff;
    for (let i = 0; i < 3; i++) {
      assert.equal(keyToHex(a), toHex(a));
      assert.equal(keyToHex(b), toHex(b));
    }
  });

  it('stays right past its bound (it empties and starts again)', () => {
    const first = new Uint8Array(randomBytes(32));
    keyToHex(first);
    for (let i = 0; i < 20_000; i++) keyToHex(new Uint8Array(randomBytes(32)));
    assert.equal(keyToHex(first), toHex(first));
  });
});
