import assert from 'node:assert/strict';
import { Incoming } from '../../../src/peer/incoming.js';
import { SeenSet } from '../../../src/peer/seen.js';
import { PREFIX } from '../../../src/peer/store.js';
import { toHex } from '../../../src/util/bytes.js';
import type { FrameOf } from '../../../src/wire/types.js';
import { deliverOf, memoryPeer, person, textInner } from '../../helpers/peer-fixtures.js';

const me = person('bob');
const alice = person('alice');

/** Texts of recorded messages (a function, so assertions on the list do not narrow its type). */
function texts(list: { text: string }[] | undefined): string[] {
  return (list ?? []).map((m) => m.text);
}

async function rig() {
  const p = await memoryPeer(me);
  const acks: number[][] = [];
  /** The store's keys at the moment each DeliverAck went out. */
  const durableAtAck: Set<string>[] = [];
  const receiptsOut: { name: string; ids: string[] }[] = [];
  const receiptsIn: { from: string; ids: string[] }[] = [];
  const incoming = new Incoming({
    store: p.store,
    contacts: p.contacts,
    history: p.history,
    seen: new SeenSet(p.store),
    keyring: me.keyring,
    events: p.events,
    me: me.id.signPk,
    ack: (seqs) => {
      acks.push(seqs);
      durableAtAck.push(new Set([...p.kv.data.keys()]));
    },
    accepted: (name, ids) => receiptsOut.push({ name, ids }),
    receipt: async (from, ids) => {
      receiptsIn.push({ from, ids });
    },
  });
  const deliver = async (...frames: FrameOf<'deliver'>[]) => {
    for (const f of frames) incoming.push(f);
    await incoming.idle();
  };
  return { ...p, incoming, acks, durableAtAck, receiptsOut, receiptsIn, deliver };
}

describe('incoming: delivered mail to history', () => {
  it('stores, acknowledges and announces a message, and asks for one receipt per sender', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'one');
    const b = textInner(alice, me, 'two', { counter: 2 });
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }), deliverOf(b, alice, me, { seq: 2 }));
    assert.deepEqual(r.acks, [[1, 2]]);
    for (const id of [a.msgId, b.msgId]) {
      assert.ok(r.durableAtAck[0]?.has(PREFIX.seen + toHex(id)), 'seen-set written before the ack');
      assert.ok(
        r.durableAtAck[0]?.has(PREFIX.historyById + toHex(id)),
        'history written before the ack',
      );
    }
    assert.deepEqual(
      r.log['message:received']?.map((m) => m.text),
      ['one', 'two'],
    );
    assert.deepEqual(r.receiptsOut, [{ name: 'alice', ids: [toHex(a.msgId), toHex(b.msgId)] }]);
    assert.deepEqual(
      (await r.history.takeUnread()).map((e) => e.text),
      ['one', 'two'],
    );
    assert.ok(r.contacts.get('alice'), 'the sender is pinned on first use');
  });

  it('shows a message delivered twice only once, and still acknowledges both copies', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'once');
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }), deliverOf(a, alice, me, { seq: 2 }));
    await r.deliver(deliverOf(a, alice, me, { seq: 3 }));
    assert.equal(r.log['message:received']?.length, 1);
    assert.deepEqual(
      r.log['message:rejected']?.map((x) => x.reason),
      ['replay', 'replay'],
    );
    assert.deepEqual(r.acks.flat(), [1, 2, 3]);
  });

  it('acknowledges a message that will never open, so it is not redelivered forever', async () => {
    const r = await rig();
    const d = deliverOf(textInner(alice, me), alice, me, { seq: 9 });
    d.ciphertext[0]! ^= 1;
    await r.deliver(d);
    assert.deepEqual(r.acks, [[9]]);
    assert.equal(r.log['message:received'], undefined);
  });

  it('holds messages from a changed key undisplayed and releases them when that key is trusted', async () => {
    const r = await rig();
    await r.contacts.observe(alice.card);
    const newAlice = person('alice');
    await r.deliver(deliverOf(textInner(newAlice, me, 'trust me'), newAlice, me, { seq: 4 }));
    assert.deepEqual(r.acks, [[4]]);
    assert.equal(r.log['message:received'], undefined);
    assert.equal(r.log['message:held']?.length, 1);
    assert.equal(r.receiptsOut.length, 0, 'no receipt to an unaccepted key');
    assert.deepEqual(await r.history.takeUnread(), []);
    const { contact } = await r.contacts.trust('alice');
    assert.equal(await r.incoming.releaseHeld('alice', contact.card), 1);
    assert.deepEqual(texts(r.log['message:received']), ['trust me']);
    assert.deepEqual(
      (await r.history.takeUnread()).map((e) => e.text),
      ['trust me'],
    );
    assert.equal(await r.incoming.releaseHeld('alice', contact.card), 0, 'released once');
  });

  it('passes receipts on without showing them or receipting them', async () => {
    const r = await rig();
    const ids = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    const receipt = textInner(alice, me, '', { content: { kind: 'receipt', msgIds: ids } });
    await r.deliver(deliverOf(receipt, alice, me));
    assert.deepEqual(r.receiptsIn, [{ from: toHex(alice.id.signPk), ids: ids.map(toHex) }]);
    assert.equal(r.log['message:received'], undefined);
    assert.equal(r.receiptsOut.length, 0);
  });

  it('does not acknowledge mail it could not store, and accepts it on redelivery', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'retry me');
    const realBatch = r.kv.batch.bind(r.kv);
    let failNext = false;
    r.kv.batch = async (ops) => {
      if (failNext && ops.some((o) => o.key.startsWith(PREFIX.seen))) {
        failNext = false;
        throw new Error('disk full');
      }
      return realBatch(ops);
    };
    await r.contacts.observe(alice.card);
    failNext = true;
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }));
    assert.deepEqual(r.acks, []);
    assert.equal(r.log.error?.length, 1);
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }));
    assert.deepEqual(r.acks, [[1]]);
    assert.deepEqual(
      r.log['message:received']?.map((m) => m.text),
      ['retry me'],
    );
  });
});
