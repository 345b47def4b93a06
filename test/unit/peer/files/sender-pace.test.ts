/**
 * SenderPace (sender-pace.ts): when a download is told it waits for the sender's upload.
 */
import assert from 'node:assert/strict';
import { SENDER_QUIET_MS, SenderPace } from '../../../../src/peer/files/sender-pace.js';
import { ManualClock } from '../../../../src/util/clock.js';

function pace() {
  const clock = new ManualClock(0);
  let told = 0;
  const p = new SenderPace(
    (fn, ms) => clock.setTimeout(fn, ms),
    () => told++,
  );
  return { p, clock, told: () => told };
}

describe('files: waiting for the sender', () => {
  it('is waiting at once when the relay holds nothing past what is here', () => {
    const { p, told } = pace();
    assert.equal(p.behind(0), false, 'nothing known before the relay answered');
    p.answered(0, 0);
    assert.equal(p.behind(0), true);
    assert.equal(told(), 1);
  });

  it('is not waiting while the relay holds more, nor while chunks keep coming', () => {
    const { p, clock, told } = pace();
    p.answered(4, 0);
    assert.equal(p.behind(0), false);
    for (let i = 0; i < 4; i++) p.chunk(i);
    p.watch(4);
    // The upload goes on live: a chunk a second, each one past what the relay had.
    for (let i = 4; i < 10; i++) {
      clock.advance(SENDER_QUIET_MS / 2);
      p.chunk(i);
      p.watch(i + 1);
    }
    assert.equal(p.behind(10), false);
    assert.equal(told(), 0);
  });

  it('is waiting once caught up and nothing came for SENDER_QUIET_MS, and told once', () => {
    const { p, clock, told } = pace();
    p.answered(3, 0);
    for (let i = 0; i < 3; i++) p.chunk(i);
    p.watch(3);
    clock.advance(SENDER_QUIET_MS - 1);
    assert.equal(p.behind(3), false);
    clock.advance(1);
    assert.equal(p.behind(3), true);
    assert.equal(told(), 1);
    clock.advance(10 * SENDER_QUIET_MS);
    assert.equal(told(), 1, 'no timer left running');
    p.chunk(3);
    assert.equal(p.behind(4), false, 'a chunk: moving again');
  });

  it('checks again after a spell of chunks, so a stop after it is seen', () => {
    const { p, clock, told } = pace();
    p.answered(1, 0);
    p.chunk(0);
    p.watch(1);
    clock.advance(SENDER_QUIET_MS / 2);
    p.chunk(1);
    p.watch(2); // one check is already armed: this one arms none
    clock.advance(SENDER_QUIET_MS / 2); // the check fires, sees a chunk, arms another
    assert.equal(p.behind(2), false);
    clock.advance(SENDER_QUIET_MS);
    assert.equal(p.behind(2), true);
    assert.equal(told(), 1);
  });

  it('forgets what the relay held when the link drops', () => {
    const { p } = pace();
    p.answered(0, 0);
    p.reset();
    assert.equal(p.behind(0), false);
  });
});
