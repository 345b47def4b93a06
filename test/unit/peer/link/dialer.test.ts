import assert from 'node:assert/strict';
import {
  Dialer,
  RELAY_HEARD_JITTER_MS,
  STABLE_SESSION_MS,
} from '../../../../src/peer/link/dialer.js';
import { Backoff } from '../../../../src/util/backoff.js';
import { ManualClock } from '../../../../src/util/clock.js';

/** The delay `later` chose, read as the time its dial fired (random = 1 - ε: the ceiling). */
function harness() {
  const clock = new ManualClock();
  const backoff = new Backoff({ baseMs: 100, maxMs: 100_000, random: () => 0.999_999 });
  const dialer = new Dialer(() => Promise.reject(new Error('unused')), clock, backoff, {
    connected: () => true,
    failed: () => undefined,
  });
  const delayOfNextLater = (): number => {
    const start = clock.now();
    let firedAt = -1;
    dialer.later(() => {
      firedAt = clock.now();
    });
    clock.advance(200_000);
    return firedAt - start;
  };
  return { clock, dialer, delayOfNextLater };
}

describe('peer/link/dialer: reconnect backoff', () => {
  it('keeps backing off when each session is cut right after it became ready', () => {
    const { dialer, delayOfNextLater, clock } = harness();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      dialer.succeeded();
      clock.advance(500);
      delays.push(delayOfNextLater());
    }
    assert.deepEqual(delays, [99, 199, 399, 799]);
  });

  it('starts again from the shortest delay after a session that stayed up', () => {
    const { dialer, delayOfNextLater, clock } = harness();
    delayOfNextLater();
    delayOfNextLater();
    dialer.succeeded();
    clock.advance(STABLE_SESSION_MS);
    assert.equal(delayOfNextLater(), 99);
  });

  it('does not count a session that ended before the loss before it', () => {
    const { dialer, delayOfNextLater, clock } = harness();
    dialer.succeeded();
    clock.advance(STABLE_SESSION_MS);
    assert.equal(delayOfNextLater(), 99);
    // No new Ready since that loss: this failure keeps counting.
    assert.equal(delayOfNextLater(), 199);
  });

  it("brings a waiting redial forward when the relay's beacon is heard, once per session", () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ baseMs: 60_000, maxMs: 60_000, random: () => 0.999_999 });
    const dialer = new Dialer(() => Promise.reject(new Error('unused')), clock, backoff, {
      connected: () => true,
      failed: () => undefined,
    });
    const t0 = clock.now();
    const dials: number[] = [];
    const dial = () => dials.push(clock.now() - t0);
    assert.equal(dialer.soon(dial), false, 'nothing waiting: nothing to bring forward');
    dialer.later(dial);
    assert.equal(dialer.soon(dial), true);
    clock.advance(RELAY_HEARD_JITTER_MS);
    assert.deepEqual(dials, [RELAY_HEARD_JITTER_MS], 'within the jitter, not the minute');
    // That dial failed: the next wait is the backoff's, and a replayed beacon does not cut it.
    dialer.later(dial);
    assert.equal(dialer.soon(dial), false);
    clock.advance(60_000);
    assert.equal(dials.length, 2);
    // A session was up since: the next loss may be cut short again.
    dialer.succeeded();
    dialer.later(dial);
    assert.equal(dialer.soon(dial), true);
  });
});
