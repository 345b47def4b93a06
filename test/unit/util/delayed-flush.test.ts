import assert from 'node:assert/strict';
import { DelayedFlush, type Flushable } from '../../../src/util/delayed-flush.js';

/** A writer that counts its flushes. */
class Writer implements Flushable {
  delayedWaiting = false;
  flushes = 0;
  flush(): void {
    this.flushes++;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('util/delayed-flush', () => {
  it('flushes each waiting writer once when the delay has passed, however often it was added', async () => {
    const delayed = new DelayedFlush(5, { busy: () => true });
    const a = new Writer();
    const b = new Writer();
    for (let i = 0; i < 3; i++) delayed.add(a);
    delayed.add(b);
    assert.deepEqual([a.delayedWaiting, b.delayedWaiting], [true, true]);
    assert.deepEqual([a.flushes, b.flushes], [0, 0]);
    await sleep(30);
    assert.deepEqual([a.flushes, b.flushes], [1, 1]);
    assert.deepEqual([a.delayedWaiting, b.delayedWaiting], [false, false]);
    // Added again after its flush: it waits for the next timer.
    delayed.add(a);
    await sleep(30);
    assert.deepEqual([a.flushes, b.flushes], [2, 1]);
  });
});
