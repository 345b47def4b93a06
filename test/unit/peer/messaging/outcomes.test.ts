import assert from 'node:assert/strict';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import type { PeerEventMap } from '../../../../src/peer/events.js';
import { composeText } from '../../../../src/peer/messaging/compose.js';
import type { OutboxEntry } from '../../../../src/peer/messaging/outbox.js';
import {
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  SendOutcomes,
} from '../../../../src/peer/messaging/outcomes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { memoryPeer, person } from '../../../helpers/peer-fixtures.js';

const me = person('alice');

/** SendOutcomes over a memory peer, with jitter fixed at its top (delay = ceiling, less 1 ms). */
async function rig() {
  const p = await memoryPeer(me);
  const clock = new ManualClock();
  let due = 0;
  const outcomes = new SendOutcomes({
    outbox: p.outbox,
    history: p.history,
    events: p.events,
    clock,
    logger: silentLogger,
    random: () => 0.999_999,
    due: () => due++,
  });
  const refused: PeerEventMap['message:refused'][] = [];
  p.events.on('message:refused', (e) => refused.push(e));
  const text = async (): Promise<OutboxEntry> => {
    const m = composeText({ ...p, myName: me.name }, 'bob', 'hi', clock.now());
    await p.store.write(m.ops);
    return p.outbox.get(m.msgId)!;
  };
  const receipt = async (): Promise<OutboxEntry> => {
    const { entry, ops } = p.outbox.enqueueOps({
      msgId: 'ab'.repeat(16),
      conversation: directConversation('bob'),
      peerName: 'bob',
      content: { kind: 'receipt', msgIds: ['cd'.repeat(16)] },
      sentAtMs: clock.now(),
    });
    await p.store.write(ops);
    return entry;
  };
  return { ...p, clock, outcomes, refused, text, receipt, due: () => due };
}

describe('send outcomes: what an answer means for an outbox entry', () => {
  it('spaces refusals for now by a doubling ceiling, capped at RETRY_MAX_MS, and calls due when one comes due', async () => {
    const r = await rig();
    let entry = await r.text();
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      await r.outcomes.refusedForNow(entry, 'disk-full');
      entry = r.outbox.get(entry.msgId)!;
      const waited = r.refused.at(-1)!.retryAtMs - r.clock.now();
      waits.push(waited);
      assert.ok(r.outcomes.waiting(entry.msgId, r.clock.now() + waited - 1), 'waits until then');
      assert.equal(r.outcomes.waiting(entry.msgId, r.clock.now() + waited), false);
      const before = r.due();
      r.clock.advance(waited);
      assert.equal(r.due(), before + 1, 'due once it may go');
    }
    const ceiling = (n: number) => Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** n);
    assert.deepEqual(
      waits,
      waits.map((_, i) => Math.floor(0.999_999 * ceiling(i + 1))),
    );
    assert.equal(Math.max(...waits), RETRY_MAX_MS - 1);
    assert.equal(entry.attempts, 10);
    assert.equal(entry.state, 'queued');
    assert.equal(r.outcomes.refusals(), 10);
    r.outcomes.stop();
  });

  it('tries an entry again RETRY_BASE_MS after retrySoon', async () => {
    const r = await rig();
    const entry = await r.text();
    r.outcomes.retrySoon(entry.msgId);
    assert.ok(r.outcomes.waiting(entry.msgId, r.clock.now() + RETRY_BASE_MS - 1));
    r.clock.advance(RETRY_BASE_MS);
    assert.equal(r.outcomes.waiting(entry.msgId, r.clock.now()), false);
    assert.equal(r.due(), 1);
    r.outcomes.stop();
  });

  it('records stored and failed in the history, lets go of the entry and forgets its retry', async () => {
    const r = await rig();
    const stored = await r.text();
    const failed = await r.text();
    r.outcomes.retrySoon(stored.msgId);
    r.outcomes.retrySoon(failed.msgId);
    await r.outcomes.stored(stored);
    await r.outcomes.fail(failed, 'too-large');
    assert.equal(r.outbox.get(stored.msgId), undefined);
    assert.equal(r.outbox.get(failed.msgId), undefined);
    assert.equal(r.outcomes.waiting(stored.msgId, r.clock.now()), false);
    assert.equal(r.outcomes.waiting(failed.msgId, r.clock.now()), false);
    assert.deepEqual(
      r.log['message:status']?.map((e) => [e.msgId, e.state, e.reason]),
      [
        [stored.msgId, 'stored', undefined],
        [failed.msgId, 'failed', 'too-large'],
      ],
    );
    assert.equal((await r.history.outgoing(failed.msgId))?.reason, 'too-large');
    r.outcomes.stop();
  });

  it('tells the user nothing of plumbing, yet retries and removes it all the same', async () => {
    const r = await rig();
    const entry = await r.receipt();
    await r.outcomes.refusedForNow(entry, 'sender-quota');
    assert.equal(r.outbox.get(entry.msgId)?.attempts, 1);
    assert.ok(r.outcomes.waiting(entry.msgId, r.clock.now()));
    assert.equal(r.outcomes.refusals(), 1);
    await r.outcomes.fail(r.outbox.get(entry.msgId)!, 'expired');
    assert.equal(r.outbox.get(entry.msgId), undefined);
    assert.deepEqual(r.refused, []);
    assert.equal(r.log['message:status'], undefined);
    r.outcomes.stop();
  });
});
