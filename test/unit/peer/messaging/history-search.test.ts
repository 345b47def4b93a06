import assert from 'node:assert/strict';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import { History, type HistoryEntry } from '../../../../src/peer/messaging/history.js';
import { searchHistory } from '../../../../src/peer/messaging/history-search.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';

const BOB = directConversation('bob');

const entry = (i: number, text: string): HistoryEntry => ({
  conversation: BOB,
  direction: 'in',
  msgId: `m${i}`,
  peer: { pseudonym: 'bob', userId: 'b0b' },
  text,
  sentAtMs: 1_000 + i,
  receivedAtMs: 1_000 + i,
});

describe('peer history search: a conversation scanned whole, newest first', () => {
  it('finds a message older than any page the chat reads, and counts every message read', async () => {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const ops = [];
    for (let i = 0; i < 5_000; i++) {
      const text = i === 3 || i === 4_000 ? `the needle ${i}` : `hay ${i}`;
      ops.push(...history.appendOps(entry(i, text), { atMs: 1_000 + i }));
    }
    await store.write(ops);
    const found = await searchHistory(store, BOB, (e) => e.text.includes('needle'), 10);
    assert.deepEqual(
      found.hits.map((e) => e.msgId),
      ['m4000', 'm3'],
    );
    assert.equal(found.scanned, 5_000);
    const capped = await searchHistory(store, BOB, (e) => e.text.startsWith('hay'), 3);
    assert.deepEqual(
      capped.hits.map((e) => e.msgId),
      ['m4999', 'm4998', 'm4997'],
    );
    assert.equal(capped.scanned, 3, 'stops at maxHits');
    const other = await searchHistory(store, directConversation('carol'), () => true, 10);
    assert.deepEqual(other, { hits: [], scanned: 0 });
  });
});
