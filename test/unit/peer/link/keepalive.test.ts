import assert from 'node:assert/strict';
import {
  ANSWER_WAIT_MS,
  Keepalive,
  PING_INTERVAL_MS,
} from '../../../../src/peer/link/keepalive.js';
import { ManualClock } from '../../../../src/util/clock.js';

function rig() {
  const clock = new ManualClock(1_000_000);
  const pings: number[] = [];
  let silent = 0;
  const k = new Keepalive(clock, PING_INTERVAL_MS, {
    ping: (n) => pings.push(n),
    silent: () => silent++,
  });
  k.heard();
  k.start();
  return { clock, k, pings, silent: () => silent };
}

describe('keepalive: a relay gone silent while something awaits an answer', () => {
  it('pings at once and drops the link when a sent frame meets silence', () => {
    const r = rig();
    r.k.sent();
    r.clock.advance(ANSWER_WAIT_MS);
    assert.equal(r.pings.length, 1, 'a Ping after ANSWER_WAIT_MS of silence');
    assert.equal(r.silent(), 0);
    r.clock.advance(ANSWER_WAIT_MS);
    assert.equal(r.silent(), 1, 'silent within 2 × ANSWER_WAIT_MS, not PING_INTERVAL_MS × 2.5');
  });

  it('keeps the link when anything is heard after the frame', () => {
    const r = rig();
    r.k.sent();
    r.clock.advance(ANSWER_WAIT_MS);
    assert.equal(r.pings.length, 1);
    r.k.heard(); // the Pong: the relay is alive, only slow to store
    r.clock.advance(ANSWER_WAIT_MS);
    assert.equal(r.silent(), 0);
    r.k.sent();
    r.clock.advance(1_000);
    r.k.heard();
    r.clock.advance(2 * ANSWER_WAIT_MS);
    assert.equal(r.silent(), 0);
    assert.equal(r.pings.length, 1, 'an answer in time needs no Ping');
  });

  it('watches a frame sent just after an answer to an earlier one', () => {
    const r = rig();
    r.k.sent();
    r.clock.advance(200);
    r.k.heard(); // the first frame's answer
    r.clock.advance(200);
    r.k.sent(); // into a cut: nothing will answer it
    r.clock.advance(ANSWER_WAIT_MS - 400);
    assert.equal(r.pings.length, 1, 'a Ping: a frame sent since the last heard');
    r.clock.advance(ANSWER_WAIT_MS);
    assert.equal(r.silent(), 1);
  });

  it('watches nothing before start or after stop', () => {
    const r = rig();
    r.k.stop();
    r.k.sent();
    r.clock.advance(3 * ANSWER_WAIT_MS);
    assert.deepEqual([r.pings.length, r.silent()], [0, 0]);
  });
});
