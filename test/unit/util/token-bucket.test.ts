import assert from 'node:assert/strict';
import { TokenBucket } from '../../../src/util/token-bucket.js';

describe('token bucket', () => {
  it('gives the burst at once, then one token per 1/rate seconds', () => {
    const b = new TokenBucket(10, 3, 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
    assert.equal(b.msUntilToken(0), 100);
    assert.equal(b.take(99), false);
    assert.equal(b.take(100), true);
  });

  it('never holds more than the burst after a long quiet time', () => {
    const b = new TokenBucket(1000, 2, 0);
    b.take(0);
    let n = 0;
    while (b.take(1_000_000)) n++;
    assert.equal(n, 2);
  });

  it('refills nothing when the clock steps backwards', () => {
    const b = new TokenBucket(1, 1, 1000);
    assert.equal(b.take(1000), true);
    assert.equal(b.take(0), false);
    assert.equal(b.take(1000), false);
    assert.equal(b.take(2000), true);
  });

  it('refuses a rate or burst that could never give a token', () => {
    assert.throws(() => new TokenBucket(0, 1), RangeError);
    assert.throws(() => new TokenBucket(1, 0.5), RangeError);
  });
});
