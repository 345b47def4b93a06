/**
 * What a cluster session remembers of the mail it was pushed early (early-copies.ts): the
 * stored copy that follows a hold that ended first is skipped, and acked with the early seq.
 */
import assert from 'node:assert/strict';
import { EARLY_REMEMBERED, EarlyCopies } from '../../../../src/relay/cluster/early-copies.js';
import { EARLY_SEQ_BASE } from '../../../../src/relay/cluster/held-mail.js';

const E = EARLY_SEQ_BASE;

/** `unpublished`: what the holds answer, true when taken back before they published. */
function acks(copies: EarlyCopies, seqs: number[], unpublished = false) {
  const taken: number[] = [];
  const stored = copies.ackOf(seqs, (s) => {
    taken.push(s);
    return unpublished;
  });
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

  it('forgets at once early mail whose hold was taken back before it published', () => {
    const c = new EarlyCopies();
    c.pushed(E + 1, 's.r.01');
    c.pushed(E + 2, 's.r.02');
    assert.deepEqual(acks(c, [E + 1], true), { taken: [E + 1], stored: [] });
    // No copy of it can come; were one to, it would be pushed as any mail.
    assert.equal(c.stored(9, 's.r.01'), 'push');
    assert.deepEqual(acks(c, [E + 1], true), { taken: [], stored: [] }, 'acked once only');
    // The other one's hold had published: its copy is still acked with it.
    assert.deepEqual(acks(c, [E + 2], false), { taken: [E + 2], stored: [] });
    assert.equal(c.stored(10, 's.r.02'), 'ack');
  });

  it('remembers only the last EARLY_REMEMBERED early pushes', () => {
    const c = new EarlyCopies();
    for (let i = 1; i <= EARLY_REMEMBERED + 1; i++) c.pushed(E + i, `s.r.${i}`);
    assert.equal(c.stored(1, 's.r.1'), 'push', 'the oldest is forgotten');
    assert.equal(c.stored(2, 's.r.2'), 'skip');
    assert.deepEqual(acks(c, [E + 1]).taken, []);
  });
});
