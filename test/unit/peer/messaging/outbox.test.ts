import assert from 'node:assert/strict';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import { Outbox } from '../../../../src/peer/messaging/outbox.js';
import { memoryPeer, person } from '../../../helpers/peer-fixtures.js';

const me = person('me');

async function queue(
  box: Outbox,
  store: Awaited<ReturnType<typeof memoryPeer>>['store'],
  to: string,
  body: string,
) {
  const msgId = Buffer.from(body.padEnd(16, '.')).toString('hex').slice(0, 32);
  const { entry, ops } = box.enqueueOps({
    msgId,
    conversation: directConversation(to),
    peerName: to,
    content: { kind: 'text', body },
    sentAtMs: 1,
  });
  await store.write(ops);
  return entry;
}

describe('outbox: the persistent queue of outgoing messages', () => {
  it('numbers each conversation from 1, independently and case-insensitively', async () => {
    const p = await memoryPeer(me);
    const counters = [
      (await queue(p.outbox, p.store, 'bob', 'a')).counter,
      (await queue(p.outbox, p.store, 'carol', 'b')).counter,
      (await queue(p.outbox, p.store, 'Bob', 'c')).counter,
    ];
    assert.deepEqual(counters, [1, 1, 2]);
  });

  it('starts every entry queued with no attempts', async () => {
    const p = await memoryPeer(me);
    const e = await queue(p.outbox, p.store, 'bob', 'hello');
    assert.equal(e.state, 'queued');
    assert.equal(e.attempts, 0);
    assert.equal(p.outbox.count('queued'), 1);
  });

  it('survives a reload with entries, order and counters intact', async () => {
    const p = await memoryPeer(me);
    for (const body of [
      'one',
      'two',
      'three',
      'four',
      'five',
      'six',
      'seven',
      'eight',
      'nine',
      'ten',
      'eleven',
    ]) {
      await queue(p.outbox, p.store, 'bob', body);
    }
    const again = await Outbox.load(p.store);
    assert.deepEqual(
      again.list().map((e) => (e.content.kind === 'text' ? e.content.body : '')),
      ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'],
    );
    const next = await queue(again, p.store, 'bob', 'twelve');
    assert.equal(next.counter, 12);
  });

  it('holds a contact’s queued entries and drops their sealed form, then releases them to be sealed anew', async () => {
    const p = await memoryPeer(me);
    const e = await queue(p.outbox, p.store, 'bob', 'secret');
    await queue(p.outbox, p.store, 'carol', 'other');
    const sealed = {
      to: new Uint8Array(32).fill(0xaa),
      nonce: new Uint8Array(24).fill(0xbb),
      ciphertext: new Uint8Array(17).fill(0xcc),
    };
    await p.outbox.update(e.msgId, { sealed });
    const held = await p.outbox.holdFor(directConversation('BOB'));
    assert.deepEqual(
      held.map((h) => h.msgId),
      [e.msgId],
    );
    assert.equal(p.outbox.get(e.msgId)?.state, 'held');
    assert.equal(p.outbox.get(e.msgId)?.sealed, undefined);
    assert.equal(p.outbox.count('queued'), 1);
    const reloaded = await Outbox.load(p.store);
    assert.equal(reloaded.get(e.msgId)?.state, 'held', 'holding is durable');
    const released = await p.outbox.releaseFor(directConversation('bob'));
    assert.equal(released.length, 1);
    assert.equal(p.outbox.get(e.msgId)?.state, 'queued');
    assert.equal(p.outbox.get(e.msgId)?.sealed, undefined);
  });

  it('forgets an entry once removed, durably', async () => {
    const p = await memoryPeer(me);
    const e = await queue(p.outbox, p.store, 'bob', 'done');
    await p.outbox.remove(e.msgId);
    assert.equal(p.outbox.get(e.msgId), undefined);
    assert.equal((await Outbox.load(p.store)).list().length, 0);
  });

  it('tells a flush waiter when the last queued entry leaves, held ones not counting', async () => {
    const p = await memoryPeer(me);
    let told = 0;
    p.outbox.onNoneQueued(() => told++);
    assert.equal(told, 1, 'nothing queued: at once');
    const a = await queue(p.outbox, p.store, 'bob', 'a');
    const b = await queue(p.outbox, p.store, 'carol', 'b');
    const cancelled = p.outbox.onNoneQueued(() => assert.fail('cancelled'));
    cancelled();
    p.outbox.onNoneQueued(() => told++);
    await p.outbox.remove(a.msgId);
    assert.equal(told, 1, 'one entry still queued');
    await p.outbox.holdFor(directConversation('carol'));
    assert.equal(told, 2, 'held entries wait for trust(), not for the relay');
    await p.outbox.releaseFor(directConversation('carol'));
    assert.equal(p.outbox.count('queued'), 1);
    assert.equal(p.outbox.get(b.msgId)?.state, 'queued');
  });
});
