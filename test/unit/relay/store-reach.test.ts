import assert from 'node:assert/strict';
import { SessionCode } from '../../../src/relay/errors.js';
import {
  STORE_PROBE_MS,
  StoreReach,
  storeStatusFrame,
  tellSessions,
} from '../../../src/relay/store-reach.js';
import { ManualClock } from '../../../src/util/clock.js';
import { CLIENT_FEATURE_STORE_STATUS } from '../../../src/wire/limits.js';
import type { Frame } from '../../../src/wire/types.js';

/** Lets the probe's promise settle. */
const settle = () => new Promise((r) => setImmediate(r));

function reachWith(answers: boolean[]) {
  const clock = new ManualClock(0);
  let asked = 0;
  const reach = new StoreReach(() => {
    asked++;
    return answers.shift() ? Promise.resolve() : Promise.reject(new Error('timeout'));
  }, clock);
  const changes: boolean[] = [];
  reach.onChange((r) => changes.push(r));
  return { clock, reach, changes, asked: () => asked };
}

describe('relay/store-reach', () => {
  it('is reachable until told otherwise, and asks nothing meanwhile', () => {
    const { clock, reach, changes, asked } = reachWith([]);
    clock.advance(10 * STORE_PROBE_MS);
    assert.equal(reach.reachable, true);
    assert.deepEqual(changes, []);
    assert.equal(asked(), 0);
  });

  it('says down once, asks again every STORE_PROBE_MS, and says back once the store answers', async () => {
    const { clock, reach, changes, asked } = reachWith([false, false, true]);
    reach.down();
    reach.down();
    assert.deepEqual(changes, [false]);
    assert.equal(asked(), 0, 'not asked at once: it just failed');
    for (let i = 1; i <= 3; i++) {
      clock.advance(STORE_PROBE_MS);
      await settle();
      assert.equal(asked(), i);
    }
    assert.equal(reach.reachable, true);
    assert.deepEqual(changes, [false, true]);
    clock.advance(10 * STORE_PROBE_MS);
    await settle();
    assert.equal(asked(), 3, 'not asked once back');
  });

  it('asks at once when the connection is back (check), not at the next probe', async () => {
    const { reach, changes, asked } = reachWith([true]);
    reach.down();
    reach.check();
    await settle();
    assert.equal(asked(), 1);
    assert.deepEqual(changes, [false, true]);
  });

  it('is back at once when a read answers, and asks no more', async () => {
    const { clock, reach, changes, asked } = reachWith([false, false]);
    reach.down();
    reach.answered();
    reach.answered();
    assert.equal(reach.reachable, true);
    assert.deepEqual(changes, [false, true]);
    clock.advance(5 * STORE_PROBE_MS);
    await settle();
    assert.equal(asked(), 0, 'the probe it had waiting was dropped');
  });

  it('tells each ready session that understands StoreStatus, and no other', () => {
    const { reach } = reachWith([]);
    const sent: string[] = [];
    const session = (name: string, state: string, features: number) => ({
      state,
      understands: (f: number) => (features & f) !== 0,
      send: (f: Frame) => sent.push(`${name} ${f.type === 'store-status' ? f.code : f.type}`),
    });
    tellSessions(reach, [
      session('new', 'ready', CLIENT_FEATURE_STORE_STATUS),
      session('old', 'ready', 0),
      session('login', 'auth', CLIENT_FEATURE_STORE_STATUS),
    ]);
    reach.down();
    assert.deepEqual(sent, [`new ${SessionCode.StoreUnavailable}`]);
    assert.deepEqual(storeStatusFrame(true), { type: 'store-status', code: '' });
  });
});
