import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/util/clock.js';
import { Periodic } from '../../../src/util/periodic.js';

/** Lets the promise callbacks of a run settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('periodic job', () => {
  it('runs every interval, arming each run only once the previous one has settled', async () => {
    const clock = new ManualClock(0);
    const runs: number[] = [];
    let finish = () => {};
    const job = new Periodic(
      clock,
      100,
      () => {
        runs.push(clock.now());
        return new Promise<void>((resolve) => (finish = resolve));
      },
      () => assert.fail('no run fails'),
    );
    job.start();
    job.start();
    clock.advance(99);
    assert.deepEqual(runs, []);
    clock.advance(1);
    assert.deepEqual(runs, [100], 'once, though started twice');
    clock.advance(500);
    await settle();
    assert.deepEqual(runs, [100], 'no second run while the first is pending');
    finish();
    await settle();
    clock.advance(99);
    assert.deepEqual(runs, [100]);
    clock.advance(1);
    assert.deepEqual(runs, [100, 700], 'the next run is an interval after the last settled');
    job.stop();
  });

  it('reports a failed run and goes on', async () => {
    const clock = new ManualClock(0);
    const failures: unknown[] = [];
    let runs = 0;
    const job = new Periodic(
      clock,
      10,
      async () => {
        runs++;
        if (runs === 1) throw new Error('first run fails');
      },
      (err) => failures.push(err),
    );
    job.start();
    clock.advance(10);
    await settle();
    assert.equal(failures.length, 1);
    clock.advance(10);
    await settle();
    assert.equal(runs, 2);
    assert.equal(failures.length, 1);
    job.stop();
  });

  it('runs nothing after stop, even when stopped during a run, and cannot be started again', async () => {
    const clock = new ManualClock(0);
    let runs = 0;
    let finish = () => {};
    const job = new Periodic(
      clock,
      10,
      () => {
        runs++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      () => {},
    );
    job.start();
    clock.advance(10);
    job.stop();
    job.stop();
    finish();
    await settle();
    clock.advance(100);
    assert.equal(runs, 1);

    const never = new Periodic(
      clock,
      10,
      async () => runs++,
      () => {},
    );
    never.stop();
    never.start();
    clock.advance(100);
    assert.equal(runs, 1);
  });
});
