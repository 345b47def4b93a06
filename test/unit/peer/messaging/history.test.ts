import assert from 'node:assert/strict';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import { History } from '../../../../src/peer/messaging/history.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';

describe('peer/history', () => {
  async function withOutgoing() {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const msgId = 'aa'.repeat(16);
    await store.write(
      history.appendOps(
        {
          conversation: directConversation('bob'),
          direction: 'out',
          msgId,
          peer: { pseudonym: 'bob', userId: '' },
          text: 'hi',
          sentAtMs: 1,
          state: 'queued',
        },
        { atMs: 1 },
      ),
    );
    return { history, msgId };
  }

  it('keeps both of two concurrent updates of one message (peer id and stored state)', async () => {
    const { history, msgId } = await withOutgoing();
    await Promise.all([
      history.update(msgId, 'queued', { peer: { pseudonym: 'bob', userId: 'bb'.repeat(32) } }),
      history.update(msgId, 'stored'),
    ]);
    const entry = await history.byMsgId(msgId);
    assert.equal(entry?.state, 'stored');
    assert.equal(entry?.peer.userId, 'bb'.repeat(32));
  });

  it('never moves a message backwards: a late stored does not undo delivered', async () => {
    const { history, msgId } = await withOutgoing();
    await history.update(msgId, 'delivered');
    assert.equal(await history.update(msgId, 'stored'), undefined);
    assert.equal((await history.byMsgId(msgId))?.state, 'delivered');
  });
});
