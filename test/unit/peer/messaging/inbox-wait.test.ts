import assert from 'node:assert/strict';
import { InboxProgress } from '../../../../src/peer/messaging/inbox-wait.js';
import { ManualClock } from '../../../../src/util/clock.js';

/** Whether `p` settled by now (after pending microtasks ran). */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('inbox wait: the mailbox found at login, without polling', () => {
  it('resolves at once when nothing was waiting', async () => {
    const p = new InboxProgress(new ManualClock());
    p.newSession(0);
    assert.equal(await settled(p.wait(500, 60_000)), true);
  });

  it('resolves as soon as the announced deliveries are handled, with no timer firing', async () => {
    const clock = new ManualClock();
    const p = new InboxProgress(clock);
    p.newSession(3);
    const waiting = p.wait(500, 60_000);
    p.delivered();
    p.handledBatch(2);
    assert.equal(await settled(waiting), false);
    p.handledBatch(1);
    assert.equal(await settled(waiting), true);
  });

  it('resolves after idleMs without a delivery, each delivery starting the idle time again', async () => {
    const clock = new ManualClock();
    const p = new InboxProgress(clock);
    p.newSession(5);
    const waiting = p.wait(500, 60_000);
    clock.advance(400);
    p.delivered();
    clock.advance(400);
    assert.equal(await settled(waiting), false, '400 ms since the last delivery');
    clock.advance(100);
    assert.equal(await settled(waiting), true);
  });

  it('resolves at the timeout while deliveries keep arriving', async () => {
    const clock = new ManualClock();
    const p = new InboxProgress(clock);
    p.newSession(1_000);
    const waiting = p.wait(500, 2_000);
    for (let i = 0; i < 19; i++) {
      clock.advance(100);
      p.delivered();
    }
    assert.equal(await settled(waiting), false);
    clock.advance(100);
    assert.equal(await settled(waiting), true);
  });
});
