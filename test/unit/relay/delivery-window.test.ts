import assert from 'node:assert/strict';
import { DeliveryWindow } from '../../../src/relay/delivery-window.js';

describe('DeliveryWindow', () => {
  it('is full at its message count, and an ack opens it', () => {
    const w = new DeliveryWindow(3, 1_000_000);
    w.pushed(1, 10);
    w.pushed(2, 10);
    assert.equal(w.full, false);
    w.pushed(3, 10);
    assert.equal(w.full, true);
    assert.equal(w.acked([1]), true, 'opened');
    assert.equal(w.full, false);
    assert.equal(w.acked([2]), false, 'was not full');
  });

  it('is full at its bytes, whatever the count', () => {
    const w = new DeliveryWindow(100, 1000);
    w.pushed(1, 600);
    assert.equal(w.full, false);
    w.pushed(2, 400);
    assert.equal(w.full, true);
    assert.equal(w.acked([1]), true);
    assert.equal(w.full, false);
  });

  it('releases everything pushed up to the highest seq acked', () => {
    const w = new DeliveryWindow(4, 1_000_000);
    for (const seq of [5, 6, 9, 12]) w.pushed(seq, 1);
    assert.equal(w.full, true);
    // 5 and 6 skipped (a batch the client could not store), 9 acked: all three released.
    w.acked([9]);
    w.pushed(13, 1);
    w.pushed(14, 1);
    assert.equal(w.full, false, 'three out: 12, 13, 14');
    w.pushed(15, 1);
    assert.equal(w.full, true);
  });

  it('releases nothing for seqs never pushed, or below what it holds', () => {
    const w = new DeliveryWindow(2, 1_000_000);
    w.pushed(10, 1);
    w.pushed(11, 1);
    assert.equal(w.acked([3, 4]), false);
    assert.equal(w.acked([]), false);
    assert.equal(w.full, true);
  });

  it('keeps counting right over many rounds (its arrays reused and compacted)', () => {
    const w = new DeliveryWindow(5000, 1_000_000_000);
    let seq = 0;
    let out = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) {
        w.pushed(++seq, 7);
        out++;
      }
      // Ack all but the last 700, as a client behind by one batch does.
      w.acked([seq - 700]);
      out = 700;
      assert.equal(w.full, false);
    }
    for (let i = 0; i < 5000 - out - 1; i++) w.pushed(++seq, 7);
    assert.equal(w.full, false);
    w.pushed(++seq, 7);
    assert.equal(w.full, true, 'exactly the limit');
    w.acked([seq]);
    assert.equal(w.full, false);
  });
});
