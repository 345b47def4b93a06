import assert from 'node:assert/strict';
import { LANE_NAMES_KEPT, Lanes } from '../../../../src/relay/cluster/lanes.js';
import { isFinal, retrying } from '../../../../src/relay/cluster/retry.js';
import { ManualClock, systemClock } from '../../../../src/util/clock.js';

const later = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) =>
    setTimeout(() => (fail ? reject(new Error('x')) : resolve(value)), ms),
  );

describe('cluster lanes: one publish at a time per lane', () => {
  it('names a conversation `<sender>.<recipient>`, the same string each time, and forgets names past a bound', () => {
    const lanes = new Lanes();
    const hex = (n: number) => n.toString(16).padStart(64, '0');
    const first = lanes.name(hex(1), hex(2));
    assert.equal(first, `${hex(1)}.${hex(2)}`);
    assert.equal(lanes.name(`${hex(1)}`, `${hex(2)}`), first);
    assert.notEqual(lanes.name(hex(2), hex(1)), first);
    // One sender to many recipients: the names are bounded, and still right after.
    for (let i = 0; i < LANE_NAMES_KEPT * 2; i++) {
      assert.equal(lanes.name(hex(1), hex(i)), `${hex(1)}.${hex(i)}`);
    }
    const named = (lanes as unknown as { named: number }).named;
    assert.ok(named <= LANE_NAMES_KEPT, `${named} names kept`);
  });

  it('runs the tasks of one lane in order, one at a time, and fails those behind a failure', async () => {
    const lanes = new Lanes();
    const order: string[] = [];
    let running = 0;
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        running++;
        assert.equal(running, 1, 'one at a time');
        order.push(`start ${name}`);
        try {
          return await later(ms, name, fail);
        } finally {
          running--;
        }
      };
    const results = await Promise.allSettled([
      lanes.run('bob', task('a', 30)),
      lanes.run('bob', task('b', 1, true)),
      lanes.run('bob', task('c', 1)),
    ]);
    assert.deepEqual(
      order,
      ['start a', 'start b'],
      'what was queued behind a failure is not tried',
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected'],
    );
    // Queued once the lane is clear again: tried.
    assert.equal(await lanes.run('bob', task('d', 1)), 'd');
  });

  it('runs different lanes side by side', async () => {
    const lanes = new Lanes();
    const order: string[] = [];
    await Promise.all([
      lanes.run('bob', async () => {
        await later(30, 0);
        order.push('bob');
      }),
      lanes.run('carol', async () => {
        order.push('carol');
      }),
    ]);
    assert.deepEqual(order, ['carol', 'bob']);
  });
});

describe('cluster retry: JetStream calls through a node’s death', () => {
  it('tries again until the call succeeds', async () => {
    let calls = 0;
    const value = await retrying(systemClock, async () => {
      if (++calls < 3) throw new Error('timeout');
      return 'ok';
    });
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
  });

  it('gives up at once on a refusal another try cannot change (a full mailbox)', async () => {
    let calls = 0;
    const quota = Object.assign(new Error('maximum messages per subject exceeded'), {
      code: 10077,
    });
    assert.ok(isFinal(quota));
    await assert.rejects(
      retrying(systemClock, async () => {
        calls++;
        throw quota;
      }),
    );
    assert.equal(calls, 1);
  });

  it('gives up once its budget is spent', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const done = retrying(
      clock,
      async () => {
        calls++;
        clock.advance(400);
        throw new Error('no responders');
      },
      1_000,
    ).then(
      () => 'resolved',
      () => 'rejected',
    );
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(200);
    }
    assert.equal(await done, 'rejected');
    assert.ok(calls >= 2 && calls <= 3, `${calls} calls`);
  });
});
