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
    const { entries, ops } = await held.release(conversation, changed.card);
    assert.deepEqual(
      entries.map((e) => e.text),
      ['from the new key'],
    );
    assert.equal(ops.length, 2, 'both are forgotten');
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
    const { entries } = await new HeldMessages(store).release(conversation, changed.card);
    assert.deepEqual(
      entries.map((e) => e.text),
      ['held long ago'],
    );
  });
});
