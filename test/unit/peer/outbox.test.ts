import assert from 'node:assert/strict';
import { Outbox } from '../../../src/peer/outbox.js';
import { memoryPeer, person } from '../../helpers/peer-fixtures.js';

const me = person('me');

async function queue(
  box: Outbox,
  store: Awaited<ReturnType<typeof memoryPeer>>['store'],
  to: string,
  body: string,
) {
  const msgId = Buffer.from(body.padEnd(16, '.')).toString('hex').slice(0, 32);
  const { entry, ops } = box.enqueueOps({ msgId, kind: 'text', toName: to, body, sentAtMs: 1 });
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
      again.list().map((e) => e.body),
      ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'],
    );
    const next = await queue(again, p.store, 'bob', 'twelve');
    assert.equal(next.counter, 12);
  });

  it('holds a contact’s queued entries and drops their sealed form, then releases them to be sealed anew', async () => {
    const p = await memoryPeer(me);
    const e = await queue(p.outbox, p.store, 'bob', 'secret');
    await queue(p.outbox, p.store, 'carol', 'other');
    await p.outbox.update(e.msgId, { sealed: { to: 'aa', nonce: 'bb', ciphertext: 'cc' } });
    const held = await p.outbox.holdFor('BOB');
    assert.deepEqual(
      held.map((h) => h.msgId),
      [e.msgId],
    );
    assert.equal(p.outbox.get(e.msgId)?.state, 'held');
    assert.equal(p.outbox.get(e.msgId)?.sealed, undefined);
    assert.equal(p.outbox.count('queued'), 1);
    const reloaded = await Outbox.load(p.store);
    assert.equal(reloaded.get(e.msgId)?.state, 'held', 'holding is durable');
    const released = await p.outbox.releaseFor('bob');
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
});
