/**
 * The group ledger (src/relay/groups/ledger.ts): who may receive which items of a
 * group, and when an item is needed by nobody.
 */
import assert from 'node:assert/strict';
import { GroupLedger } from '../../../../src/relay/groups/ledger.js';

function ledgerWith(gseqs: number[]): GroupLedger {
  const ledger = new GroupLedger();
  for (const gseq of gseqs) ledger.addItem({ gseq, bytes: 10, storedAtMs: gseq });
  ledger.lastIssued = gseqs[gseqs.length - 1] ?? 0;
  return ledger;
}

describe('relay group ledger', () => {
  it('starts a member added at item A at A - 1: its own add and nothing earlier', () => {
    const ledger = ledgerWith([1, 2, 3, 4]);
    ledger.join('a', 1);
    ledger.join('b', 3);
    assert.equal(ledger.tracks.get('b')?.cursor, 2);
    assert.equal(ledger.entitled('b', 2), false);
    assert.equal(ledger.entitled('b', 3), true);
    assert.equal(ledger.entitled('b', 4), true);
  });

  it('ends a removed member at its removal item, and skips the time it was away if added again', () => {
    const ledger = ledgerWith([1, 2, 3, 4, 5, 6]);
    ledger.join('a', 1);
    ledger.leave('a', 3);
    assert.equal(ledger.lastEntitled('a'), 3);
    ledger.join('a', 5);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].filter((g) => ledger.entitled('a', g)),
      [1, 2, 3, 5, 6],
    );
    ledger.ack('a', 3);
    assert.equal(GroupLedger.need(ledger.tracks.get('a')!), 5);
  });

  it('drops an item only once every member that may receive it has acknowledged it', () => {
    const ledger = ledgerWith([1, 2, 3]);
    ledger.join('a', 1);
    ledger.join('b', 1);
    ledger.ack('a', 3);
    assert.deepEqual(ledger.dropAcknowledged(), []);
    ledger.ack('b', 2);
    assert.deepEqual(ledger.dropAcknowledged(), [1, 2]);
    assert.equal(ledger.pending, 1);
    assert.equal(ledger.pendingBytes, 10);
  });

  it('lets a departed member hold items only up to its removal item', () => {
    const ledger = ledgerWith([1, 2, 3, 4]);
    ledger.join('a', 1);
    ledger.join('b', 1);
    ledger.leave('b', 2);
    ledger.ack('a', 4);
    assert.deepEqual(ledger.dropAcknowledged(), []);
    ledger.ack('b', 2);
    assert.deepEqual(ledger.dropAcknowledged(), [1, 2, 3, 4]);
    assert.deepEqual(
      ledger.takeDone().map(([u]) => u),
      ['b'],
    );
    assert.equal(ledger.tracks.has('b'), false);
  });

  it('never moves a cursor back, nor past the last gseq issued', () => {
    const ledger = ledgerWith([1, 2]);
    ledger.join('a', 1);
    assert.equal(ledger.ack('a', 2), true);
    assert.equal(ledger.ack('a', 1), false);
    assert.equal(ledger.ack('a', 1_000_000), false);
    assert.equal(ledger.tracks.get('a')?.cursor, 2);
  });

  it('forgets a refused item wherever it is, and nothing else', () => {
    const ledger = ledgerWith([1, 2, 3]);
    assert.equal(ledger.removeItem(2), true);
    assert.equal(ledger.removeItem(2), false);
    assert.equal(ledger.pending, 2);
    assert.deepEqual(
      ledger.dropWhile(() => true),
      [1, 3],
    );
  });

  it('with nobody left to receive them, holds nothing', () => {
    const ledger = ledgerWith([1, 2]);
    assert.deepEqual(ledger.dropAcknowledged(), [1, 2]);
    assert.equal(ledger.firstHeld, null);
  });
});
