import assert from 'node:assert/strict';
import { BackgroundTasks } from '../../../../src/peer/background.js';
import { directAudience } from '../../../../src/peer/conversations/direct.js';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import type { DamagedMessage } from '../../../../src/peer/events.js';
import { DamagedReports } from '../../../../src/peer/messaging/damaged.js';
import { HeldMessages } from '../../../../src/peer/messaging/held.js';
import { Incoming } from '../../../../src/peer/messaging/incoming.js';
import { SeenSet } from '../../../../src/peer/messaging/seen.js';
import { PREFIX } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';
import { silentLogger } from '../../../../src/util/logger.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';
import { deliverOf, memoryPeer, person, textInner } from '../../../helpers/peer-fixtures.js';

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
  const receiptsOut: { conversation: string; name: string; ids: string[] }[] = [];
  const receiptsIn: { from: string; ids: string[] }[] = [];
  const damagedReports = new DamagedReports(p.store);
  const damaged: DamagedMessage[] = [];
  /** How many DeliverAcks had gone out when each 'message:damaged' was emitted. */
  const acksAtDamaged: number[] = [];
  p.events.on('message:damaged', (e) => {
    damaged.push(e);
    acksAtDamaged.push(acks.length);
  });
  const incoming = new Incoming({
    store: p.store,
    contacts: p.contacts,
    history: p.history,
    held: new HeldMessages(p.store),
    seen: new SeenSet(p.store),
    damaged: damagedReports,
    keyring: me.keyring,
    audience: directAudience(me.id.signPk),
    events: p.events,
    link: {
      send: (frame: Frame) => {
        if (frame.type !== 'deliver-ack') return false;
        acks.push(frame.seqs);
        durableAtAck.push(new Set([...p.kv.data.keys()]));
        return true;
      },
    },
    receipts: {
      send: async (conversation, name, ids) => {
        receiptsOut.push({ conversation, name, ids });
      },
      received: async (from, ids) => {
        receiptsIn.push({ from, ids });
      },
    },
    tasks: new BackgroundTasks(p.events, silentLogger),
  });
  const deliver = async (...frames: FrameOf<'deliver'>[]) => {
    for (const f of frames) incoming.push(f);
    await incoming.idle();
  };
  return {
    ...p,
    incoming,
    acks,
    durableAtAck,
    receiptsOut,
    receiptsIn,
    deliver,
    damaged,
    damagedReports,
    acksAtDamaged,
  };
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
    assert.deepEqual(r.receiptsOut, [
      { conversation: '@alice', name: 'alice', ids: [toHex(a.msgId), toHex(b.msgId)] },
    ]);
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

  it('reports a tampered message as damaged: recorded before the ack, acknowledged, counted, announced', async () => {
    const r = await rig();
    const good = textInner(alice, me, 'intact');
    const d = deliverOf(textInner(alice, me, 'tampered'), alice, me, { seq: 9 });
    d.ciphertext[5]! ^= 0x10;
    await r.deliver(deliverOf(good, alice, me, { seq: 8 }), d);
    assert.deepEqual(r.acks, [[8, 9]], 'still acknowledged, so the relay deletes it');
    assert.deepEqual(texts(r.log['message:received']), ['intact']);
    assert.equal(r.damaged.length, 1);
    const [report] = r.damaged;
    assert.equal(report?.code, 'E_MESSAGE_DAMAGED');
    assert.equal(report?.reason, 'open-failed');
    assert.equal(report?.seq, 9);
    assert.equal(report?.msgId, toHex(d.msgId));
    assert.equal(report?.claimedFrom.pseudonym, 'alice');
    assert.equal(report?.claimedFrom.userId, toHex(alice.id.signPk));
    assert.equal(report?.conversation, directConversation('alice'));
    assert.deepEqual(r.acksAtDamaged, [1], 'announced once the ack is out');
    assert.ok(
      [...(r.durableAtAck[0] ?? [])].some((k) => k.startsWith(PREFIX.damaged)),
      'the report is durable before the ack',
    );
    assert.deepEqual(r.incoming.stats(), { damagedMessages: 1, duplicateDeliveries: 0 });
    assert.deepEqual(
      (await r.damagedReports.take()).map((x) => [x.reason, x.seq]),
      [['open-failed', 9]],
    );
    assert.deepEqual(await r.damagedReports.take(), [], 'each report is taken once');
  });

  it('reports forgeries that open but do not check out, each with its reason', async () => {
    const r = await rig();
    const carol = person('carol');
    const misrouted = textInner(alice, me, 'for carol', { recipient: carol.id.signPk });
    const reflected = textInner(me, alice, 'mine');
    const badCard = { ...alice.card, boxSig: new Uint8Array(64) };
    await r.deliver(
      deliverOf(misrouted, alice, me, { seq: 1 }),
      deliverOf(reflected, me, alice, { seq: 2, fromCard: alice.card }),
      deliverOf(textInner(alice, me), alice, me, { seq: 3, fromCard: badCard }),
      deliverOf(textInner(alice, me), alice, me, { seq: 4, msgId: new Uint8Array(16).fill(7) }),
    );
    assert.deepEqual(r.acks, [[1, 2, 3, 4]]);
    assert.deepEqual(
      r.damaged.map((x) => [x.seq, x.reason]),
      [
        [1, 'misrouted'],
        [2, 'reflected'],
        [3, 'bad-card'],
        [4, 'msg-id-mismatch'],
      ],
    );
    assert.equal(r.incoming.stats().damagedMessages, 4);
    assert.equal(r.log['message:received'], undefined);
  });

  it('drops a duplicate delivery quietly: counted, never reported as damaged', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'twice');
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }));
    await r.deliver(deliverOf(a, alice, me, { seq: 2 }));
    assert.deepEqual(r.acks, [[1], [2]]);
    assert.deepEqual(r.damaged, []);
    assert.deepEqual(await r.damagedReports.take(), []);
    assert.deepEqual(r.incoming.stats(), { damagedMessages: 0, duplicateDeliveries: 1 });
  });

  it('neither acknowledges nor announces a damaged delivery whose report could not be stored', async () => {
    const r = await rig();
    const realBatch = r.kv.batch.bind(r.kv);
    let failNext = true;
    r.kv.batch = async (ops) => {
      if (failNext && ops.some((o) => o.key.startsWith(PREFIX.damaged))) {
        failNext = false;
        throw new Error('disk full');
      }
      return realBatch(ops);
    };
    const d = deliverOf(textInner(alice, me), alice, me, { seq: 3 });
    d.ciphertext[0]! ^= 1;
    await r.deliver(d);
    assert.deepEqual(r.acks, []);
    assert.deepEqual(r.damaged, []);
    await r.deliver(d);
    assert.deepEqual(r.acks, [[3]]);
    assert.equal(r.damaged.length, 1);
    assert.equal(r.incoming.stats().damagedMessages, 1);
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
    assert.equal(await r.incoming.releaseHeld(directConversation('alice'), contact.card), 1);
    assert.deepEqual(texts(r.log['message:received']), ['trust me']);
    assert.deepEqual(
      (await r.history.takeUnread()).map((e) => e.text),
      ['trust me'],
    );
    assert.equal(
      await r.incoming.releaseHeld(directConversation('alice'), contact.card),
      0,
      'released once',
    );
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
