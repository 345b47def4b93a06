import assert from 'node:assert/strict';
import {
  conversationStoreKey,
  directConversation,
} from '../../../../src/peer/conversations/ids.js';
import { HeldMessages } from '../../../../src/peer/messaging/held.js';
import type { HistoryEntry } from '../../../../src/peer/messaging/history.js';
import { fixedWidth, MemoryKv, PeerStore, PREFIX, putJson } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';
import { person } from '../../../helpers/peer-fixtures.js';

const conversation = directConversation('alice');
const MSG = 'ab'.repeat(16);

function entry(from: string, text: string): HistoryEntry {
  return {
    conversation,
    direction: 'in',
    msgId: MSG,
    peer: { pseudonym: 'alice', userId: from },
    text,
    sentAtMs: 1,
    receivedAtMs: 1,
  };
}

describe('held messages', () => {
  const changed = person('alice');
  const other = person('alice');

  it('keeps two held messages with one id from different keys apart, and releases the accepted one', async () => {
    const store = new PeerStore(new MemoryKv());
    const held = new HeldMessages(store);
    await store.write([
      ...held.holdOps(entry(toHex(changed.id.signPk), 'from the new key'), changed.card, 5),
      ...held.holdOps(entry(toHex(other.id.signPk), 'same id, other key'), other.card, 5),
    ]);
    const { entries, ops } = await held.release(conversation, changed.card, [
      toHex(other.id.signPk),
    ]);
    assert.deepEqual(
      entries.map((e) => e.text),
      ['from the new key'],
    );
    assert.equal(ops.length, 2, 'both are forgotten: the other key was discarded');
  });

  it('still releases messages held under the key format from before issue 10', async () => {
    const store = new PeerStore(new MemoryKv());
    const oldKey = `${PREFIX.heldIn}${conversationStoreKey(conversation)}!${fixedWidth(5)}!${MSG}`;
    await store.write([
      putJson(oldKey, {
        card: { userId: toHex(changed.id.signPk), boxPk: toHex(changed.card.boxPk) },
        entry: entry(toHex(changed.id.signPk), 'held long ago'),
      }),
    ]);
    const { entries } = await new HeldMessages(store).release(conversation, changed.card, []);
    assert.deepEqual(
      entries.map((e) => e.text),
      ['held long ago'],
    );
  });

  it('keeps messages held from a key that is still pending, dropping only the discarded keys', async () => {
    const store = new PeerStore(new MemoryKv());
    const held = new HeldMessages(store);
    const arrivedMeanwhile = person('alice');
    await store.write([
      ...held.holdOps(entry(toHex(changed.id.signPk), 'accepted'), changed.card, 5),
      ...held.holdOps(entry(toHex(other.id.signPk), 'discarded'), other.card, 6),
      ...held.holdOps(
        entry(toHex(arrivedMeanwhile.id.signPk), 'new card, still pending'),
        arrivedMeanwhile.card,
        7,
      ),
    ]);
    const { entries, ops } = await held.release(conversation, changed.card, [
      toHex(other.id.signPk),
    ]);
    assert.deepEqual(
      entries.map((e) => e.text),
      ['accepted'],
    );
    await store.write(ops);
    const again = await held.release(conversation, arrivedMeanwhile.card, []);
    assert.deepEqual(
      again.entries.map((e) => e.text),
      ['new card, still pending'],
      'still held, and released when its own key is accepted',
    );
  });
});
