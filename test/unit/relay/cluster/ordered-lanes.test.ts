import assert from 'node:assert/strict';
import { OrderedLanes } from '../../../../src/relay/cluster/ordered-lanes.js';
import { systemClock } from '../../../../src/util/clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A publish that records its attempts in `log` and answers after `ms`, failing its first `fails`. */
function publish(log: string[], name: string, ms: number, fails = 0, final = false) {
  let tries = 0;
  return async () => {
    tries++;
    log.push(`try ${name}`);
    await sleep(ms);
    if (tries <= fails) {
      log.push(`fail ${name}`);
      throw Object.assign(new Error(`lost ${name}`), final ? { code: 'E_FINAL' } : {});
    }
    log.push(`stored ${name}`);
    return name;
  };
}

describe('cluster ordered lanes: a sender’s publishes stored in order, pipelined while nothing fails', () => {
  it('sends the publishes of a lane side by side while the ones in flight are young', async () => {
    const lanes = new OrderedLanes(systemClock, 1_000);
    const log: string[] = [];
    const done = Promise.all([
      lanes.run('l', publish(log, 'a', 30)),
      lanes.run('l', publish(log, 'b', 30)),
      lanes.run('l', publish(log, 'c', 30)),
    ]);
    await sleep(5);
    assert.deepEqual(log, ['try a', 'try b', 'try c']);
    assert.deepEqual(await done, ['a', 'b', 'c']);
    assert.equal(lanes.size, 0, 'an empty lane is forgotten');
  });

  it('tries a failed publish again only once the ones before it are stored, and holds later ones behind it', async () => {
    const lanes = new OrderedLanes(systemClock, 1_000);
    const log: string[] = [];
    const a = lanes.run('l', publish(log, 'a', 60));
    const b = lanes.run('l', publish(log, 'b', 1, 1));
    await sleep(20);
    // b failed once: c waits for it instead of going beside it.
    const c = lanes.run('l', publish(log, 'c', 1));
    assert.deepEqual(await Promise.all([a, b, c]), ['a', 'b', 'c']);
    assert.deepEqual(
      log.filter((e) => e.startsWith('stored')),
      ['stored a', 'stored b', 'stored c'],
    );
    assert.ok(log.indexOf('stored a') < log.lastIndexOf('try b'), 'b tried again after a');
    assert.ok(log.indexOf('stored b') < log.indexOf('try c'), 'c held behind b');
    // Other lanes are not held up.
    assert.equal(await lanes.run('m', publish(log, 'x', 1)), 'x');
  });

  it('holds a publish behind one in flight longer than the young limit', async () => {
    const lanes = new OrderedLanes(systemClock, 10);
    const log: string[] = [];
    const a = lanes.run('l', publish(log, 'a', 60));
    await sleep(25);
    const b = lanes.run('l', publish(log, 'b', 1));
    await Promise.all([a, b]);
    assert.deepEqual(log, ['try a', 'stored a', 'try b', 'stored b']);
  });

  it('holds later publishes behind those in flight when the connection is suspect', async () => {
    const lanes = new OrderedLanes(systemClock, 1_000);
    const log: string[] = [];
    const a = lanes.run('l', publish(log, 'a', 30));
    lanes.suspect();
    const b = lanes.run('l', publish(log, 'b', 1));
    await Promise.all([a, b]);
    assert.deepEqual(log, ['try a', 'stored a', 'try b', 'stored b']);
  });

  it('fails a publish as the one before it failed for good, without storing it after', async () => {
    const lanes = new OrderedLanes(systemClock, 1_000);
    const log: string[] = [];
    const a = lanes.run('l', publish(log, 'a', 30, 1, true));
    const b = lanes.run('l', publish(log, 'b', 1, 1));
    await assert.rejects(a, /lost a/);
    await assert.rejects(b, /lost a/);
    assert.equal(log.filter((e) => e === 'try b').length, 1, 'b is not tried again');
  });
});
