/**
 * What a cluster session remembers of the mail it was pushed early (early-copies.ts): the
 * stored copy that follows a hold that ended first is skipped, and acked with the early seq.
 */
import assert from 'node:assert/strict';
import { EARLY_REMEMBERED, EarlyCopies } from '../../../../src/relay/cluster/early-copies.js';
import { EARLY_SEQ_BASE } from '../../../../src/relay/cluster/held-mail.js';

const E = EARLY_SEQ_BASE;

function acks(copies: EarlyCopies, seqs: number[]) {
  const taken: number[] = [];
  const stored = copies.ackOf(seqs, (s) => taken.push(s));
  return { taken, stored: [...stored].sort((a, b) => a - b) };
}

describe('relay/cluster/early-copies', () => {
  it('skips the stored copy of early mail and acks it with the early seq', () => {
    const c = new EarlyCopies();
    c.pushed(E + 1, 's.r.01');
    assert.equal(c.stored(7, 's.r.01'), 'skip');
    assert.deepEqual(acks(c, [E + 1, 3]), { taken: [E + 1], stored: [3, 7] });
    // Acked once: a second ack of the early seq counts for nothing.
    assert.deepEqual(acks(c, [E + 1]), { taken: [], stored: [] });
  });

  it('acks at once a stored copy that comes after the early ack', () => {
    const c = new EarlyCopies();
    c.pushed(E + 1, 's.r.01');
    assert.deepEqual(acks(c, [E + 1]), { taken: [E + 1], stored: [] });
    assert.equal(c.stored(9, 's.r.01'), 'ack');
    assert.equal(c.stored(10, 's.r.01'), 'push', 'a later message with that id is pushed');
  });

  it('pushes stored mail it holds no early copy of, and ignores early seqs never pushed here', () => {
    const c = new EarlyCopies();
    assert.equal(c.stored(5, 's.r.02'), 'push');
    assert.equal(c.stored(6, null), 'push');
    assert.deepEqual(acks(c, [E + 9, 4]), { taken: [], stored: [4] });
  });

  it('remembers only the last EARLY_REMEMBERED early pushes', () => {
    const c = new EarlyCopies();
    for (let i = 1; i <= EARLY_REMEMBERED + 1; i++) c.pushed(E + i, `s.r.${i}`);
    assert.equal(c.stored(1, 's.r.1'), 'push', 'the oldest is forgotten');
    assert.equal(c.stored(2, 's.r.2'), 'skip');
    assert.deepEqual(acks(c, [E + 1]).taken, []);
  });
});
