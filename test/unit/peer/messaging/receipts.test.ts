import assert from 'node:assert/strict';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import type { HistoryEntry } from '../../../../src/peer/messaging/history.js';
import { Receipts } from '../../../../src/peer/messaging/receipts.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { memoryPeer, person } from '../../../helpers/peer-fixtures.js';

const me = person('bob');
const alice = person('alice');
const mallory = person('mallory');
const aliceHex = toHex(alice.id.signPk);
const malloryHex = toHex(mallory.id.signPk);
const MSG = 'ab'.repeat(16);

async function rig() {
  const p = await memoryPeer(me);
  const receipts = new Receipts({ ...p, sender: { kick: () => {} }, clock: new ManualClock() });
  const mine: HistoryEntry = {
    conversation: directConversation('alice'),
    direction: 'out',
    msgId: MSG,
    peer: { pseudonym: 'alice', userId: aliceHex },
    text: 'for alice',
    sentAtMs: 1,
    state: 'stored',
  };
  await p.store.write(p.history.appendOps(mine, { atMs: 1 }));
  return { ...p, receipts };
}

describe('receipts: who may mark my message delivered', () => {
  it("marks my message delivered on its recipient's receipt, in its conversation", async () => {
    const r = await rig();
    await r.receipts.received(aliceHex, directConversation('alice'), [MSG]);
    assert.equal((await r.history.outgoing(MSG))?.state, 'delivered');
    assert.deepEqual(
      r.log['message:status']?.map((e) => [e.msgId, e.state]),
      [[MSG, 'delivered']],
    );
  });

  it('ignores a receipt from anyone else, or from the recipient in another conversation', async () => {
    const r = await rig();
    await r.receipts.received(malloryHex, directConversation('mallory'), [MSG]);
    await r.receipts.received(malloryHex, directConversation('alice'), [MSG]);
    await r.receipts.received(aliceHex, directConversation('mallory'), [MSG]);
    assert.equal((await r.history.outgoing(MSG))?.state, 'stored');
    assert.equal(r.log['message:status'], undefined);
  });

  it("still takes the recipient's receipt after someone else sent me a message with my message's id", async () => {
    const r = await rig();
    const squatter: HistoryEntry = {
      conversation: directConversation('mallory'),
      direction: 'in',
      msgId: MSG,
      peer: { pseudonym: 'mallory', userId: malloryHex },
      text: 'same id',
      sentAtMs: 2,
      receivedAtMs: 2,
    };
    await r.store.write(r.history.appendOps(squatter, { atMs: 2, unread: true }));
    await r.receipts.received(aliceHex, directConversation('alice'), [MSG]);
    assert.equal((await r.history.outgoing(MSG))?.state, 'delivered');
    assert.equal((await r.history.incoming(malloryHex, MSG))?.text, 'same id');
  });
});
