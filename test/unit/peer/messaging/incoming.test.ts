import assert from 'node:assert/strict';
import { BackgroundTasks } from '../../../../src/peer/background.js';
import { directAudience } from '../../../../src/peer/conversations/direct.js';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
} from '../../../../src/peer/conversations/envelope.js';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import type { ConversationNotice, DamagedMessage } from '../../../../src/peer/events.js';
import type { IncomingShare } from '../../../../src/peer/groups/shares-in.js';
import { CounterWindows } from '../../../../src/peer/messaging/counters.js';
import { DamagedReports } from '../../../../src/peer/messaging/damaged.js';
import { HeldMessages } from '../../../../src/peer/messaging/held.js';
import { Incoming, MAX_BATCH_DELIVERIES } from '../../../../src/peer/messaging/incoming.js';
import { ConversationNotices } from '../../../../src/peer/messaging/notices.js';
import { SEEN_PRUNE_INTERVAL_MS, SeenSet } from '../../../../src/peer/messaging/seen.js';
import { PREFIX } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';
import { deliverOf, memoryPeer, person, textInner } from '../../../helpers/peer-fixtures.js';

const me = person('bob');
const alice = person('alice');

/** Texts of recorded messages (a function, so assertions on the list do not narrow its type). */
function texts(list: { text: string }[] | undefined): string[] {
  return (list ?? []).map((m) => m.text);
}

/** The fixtures' send time (textInner) plus a little: mail that is fresh. */
const NOW = 1_700_000_000_100;

/** A client's incoming side over `p` (a fresh in-memory profile unless given: a restart). */
async function rig(
  existing?: Awaited<ReturnType<typeof memoryPeer>>,
  clock = new ManualClock(NOW),
) {
  const p = existing ?? (await memoryPeer(me));
  const acks: number[][] = [];
  /** The store's keys at the moment each DeliverAck went out. */
  const durableAtAck: Set<string>[] = [];
  const receiptsOut: { conversation: string; name: string; ids: string[] }[] = [];
  const receiptsIn: { from: string; conversation: string; ids: string[] }[] = [];
  const damagedReports = new DamagedReports(p.store);
  const damaged: DamagedMessage[] = [];
  const noticeLog = new ConversationNotices(p.store);
  const notices: ConversationNotice[] = [];
  /** How many DeliverAcks had gone out when each 'conversation:notice' was emitted. */
  const acksAtNotice: number[] = [];
  p.events.on('conversation:notice', (e) => {
    notices.push(e);
    acksAtNotice.push(acks.length);
  });
  /** How many DeliverAcks had gone out when each 'message:damaged' was emitted. */
  const acksAtDamaged: number[] = [];
  p.events.on('message:damaged', (e) => {
    damaged.push(e);
    acksAtDamaged.push(acks.length);
  });
  /** Group sender keys handed on, and how many DeliverAcks had gone out by then. */
  const sharesIn: { shares: IncomingShare[]; acksBefore: number }[] = [];
  const incoming = new Incoming({
    store: p.store,
    contacts: p.contacts,
    history: p.history,
    held: new HeldMessages(p.store),
    seen: new SeenSet(p.store),
    counters: new CounterWindows(p.store),
    damaged: damagedReports,
    notices: noticeLog,
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
      received: async (from, conversation, ids) => {
        receiptsIn.push({ from, conversation, ids });
      },
    },
    senderKeys: {
      acceptShares: async (shares) => {
        sharesIn.push({ shares: [...shares], acksBefore: acks.length });
      },
    },
    tasks: new BackgroundTasks(p.events, silentLogger),
    clock,
  });
  const deliver = async (...frames: FrameOf<'deliver'>[]) => {
    for (const f of frames) incoming.push(f);
    await incoming.idle();
  };
  return {
    ...p,
    incoming,
    sharesIn,
    acks,
    durableAtAck,
    receiptsOut,
    receiptsIn,
    deliver,
    damaged,
    damagedReports,
    acksAtDamaged,
    notices,
    noticeLog,
    acksAtNotice,
    clock,
    peer: p,
  };
}

describe('incoming: delivered mail to history', () => {
  it('hands a group sender key on before acknowledging it, and only from a trusted key', async () => {
    const r = await rig();
    const content = {
      kind: 'sender-key' as const,
      groupId: new Uint8Array(16).fill(7),
      epoch: 3,
      share: new Uint8Array(69).fill(0x4b),
    };
    await r.deliver(deliverOf(textInner(alice, me, '', { content }), alice, me, { seq: 1 }));
    assert.deepEqual(r.sharesIn, [
      {
        shares: [
          { from: alice.id.signPk, groupId: content.groupId, epoch: 3, share: content.share },
        ],
        acksBefore: 0,
      },
    ]);
    assert.deepEqual(r.acks, [[1]]);
    assert.equal(r.log['message:received'], undefined, 'never shown');
    assert.deepEqual(r.receiptsOut, [], 'never receipted');
    const newAlice = person('alice');
    const later = textInner(newAlice, me, '', { content, counter: 1 });
    await r.deliver(deliverOf(later, newAlice, me, { seq: 2 }));
    assert.equal(r.sharesIn.length, 1, 'a changed key proves nothing: ignored');
    assert.deepEqual(r.acks, [[1], [2]]);
  });

  it('stores, acknowledges and announces a message, and asks for one receipt per sender', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'one');
    const b = textInner(alice, me, 'two', { counter: 2 });
    await r.deliver(deliverOf(a, alice, me, { seq: 1 }), deliverOf(b, alice, me, { seq: 2 }));
    assert.deepEqual(r.acks, [[1, 2]]);
    const sender = toHex(alice.id.signPk);
    for (const id of [a.msgId, b.msgId]) {
      assert.ok(
        r.durableAtAck[0]?.has(`${PREFIX.seen2}${sender}!${toHex(id)}`),
        'seen-set written before the ack',
      );
      assert.ok(
        r.durableAtAck[0]?.has(`${PREFIX.historyById2}in!${sender}!${toHex(id)}`),
        'history written before the ack',
      );
    }
    assert.ok(
      [...(r.durableAtAck[0] ?? [])].some((k) => k.startsWith(PREFIX.inCounters)),
      "the sender's counter written before the ack",
    );
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

  it('takes a backlog in batches of at most MAX_BATCH_DELIVERIES, each stored and acknowledged in order', async () => {
    const r = await rig();
    const n = MAX_BATCH_DELIVERIES * 2 + 10;
    const frames = Array.from({ length: n }, (_, i) =>
      deliverOf(textInner(alice, me, `m${i}`, { counter: i + 1 }), alice, me, { seq: i + 1 }),
    );
    await r.deliver(...frames);
    const perBatch = r.acks.map((seqs) => seqs.length);
    assert.ok(
      perBatch.every((k) => k <= MAX_BATCH_DELIVERIES),
      `batches of ${perBatch.join(', ')}`,
    );
    assert.deepEqual(
      r.acks.flat(),
      frames.map((f) => f.seq),
      'every one, once, in order',
    );
    assert.equal((await r.history.takeUnread()).length, n);
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
    const badCard = { ...alice.card, cardSig: new Uint8Array(64) };
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
    const { contact, discarded } = await r.contacts.trust(
      'alice',
      r.contacts.safetyNumber('alice'),
    );
    assert.equal(
      await r.incoming.releaseHeld(directConversation('alice'), contact.card, discarded),
      1,
    );
    assert.deepEqual(texts(r.log['message:received']), ['trust me']);
    assert.deepEqual(
      (await r.history.takeUnread()).map((e) => e.text),
      ['trust me'],
    );
    assert.equal(
      await r.incoming.releaseHeld(directConversation('alice'), contact.card, discarded),
      0,
      'released once',
    );
  });

  it('keeps a message from a card that arrived between trust and release held, dropping the discarded key', async () => {
    const r = await rig();
    await r.contacts.observe(alice.card);
    const dropped = person('alice');
    const compared = person('alice');
    await r.deliver(deliverOf(textInner(dropped, me, 'discarded'), dropped, me, { seq: 1 }));
    await r.deliver(deliverOf(textInner(compared, me, 'compared'), compared, me, { seq: 2 }));
    // The newest pending key's number: `compared` is accepted, `dropped` discarded.
    const { contact, discarded } = await r.contacts.trust(
      'alice',
      r.contacts.safetyNumber('alice'),
    );
    assert.deepEqual(
      discarded.map((k) => k.userId),
      [toHex(dropped.id.signPk)],
    );
    // A brand-new card, and a message from it, before the release runs.
    const late = person('alice');
    await r.deliver(deliverOf(textInner(late, me, 'from the late card'), late, me, { seq: 3 }));
    const conversation = directConversation('alice');
    assert.equal(await r.incoming.releaseHeld(conversation, contact.card, discarded), 1);
    assert.deepEqual(texts(r.log['message:received']), ['compared']);
    const next = await r.contacts.trust('alice', r.contacts.safetyNumber('alice'));
    assert.deepEqual(next.contact.card.userId, late.id.signPk);
    assert.equal(
      await r.incoming.releaseHeld(conversation, next.contact.card, next.discarded),
      1,
      'the late card kept its message until it was accepted in turn',
    );
    assert.deepEqual(texts(r.log['message:received']), ['compared', 'from the late card']);
  });

  it('passes receipts on without showing them or receipting them', async () => {
    const r = await rig();
    const ids = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    const receipt = textInner(alice, me, '', { content: { kind: 'receipt', msgIds: ids } });
    await r.deliver(deliverOf(receipt, alice, me));
    assert.deepEqual(r.receiptsIn, [
      { from: toHex(alice.id.signPk), conversation: '@alice', ids: ids.map(toHex) },
    ]);
    assert.equal(r.log['message:received'], undefined);
    assert.equal(r.receiptsOut.length, 0);
  });

  it('does not acknowledge mail it could not store, and accepts it on redelivery', async () => {
    const r = await rig();
    const a = textInner(alice, me, 'retry me');
    const realBatch = r.kv.batch.bind(r.kv);
    let failNext = false;
    r.kv.batch = async (ops) => {
      if (failNext && ops.some((o) => o.key.startsWith(PREFIX.seen2))) {
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

describe('incoming: replay and ordering (issue 10)', () => {
  const mallory = person('mallory');
  const aliceHex = toHex(alice.id.signPk);

  /** Forgets every seen message, as a profile restored without its seen-set would. */
  function wipeSeen(kv: Awaited<ReturnType<typeof memoryPeer>>['kv']): void {
    for (const key of [...kv.data.keys()]) {
      if (key.startsWith(PREFIX.seen2) || key.startsWith(PREFIX.seenByTime)) kv.data.delete(key);
    }
  }

  it('refuses mail replayed to a profile whose seen-set is gone, by counter', async () => {
    const r = await rig();
    const sent = [1, 2, 3].map((n) =>
      textInner(alice, me, `m${n}`, { counter: n, sentAtMs: NOW - 100 + n }),
    );
    await r.deliver(...sent.map((m, i) => deliverOf(m, alice, me, { seq: i + 1 })));
    assert.deepEqual(texts(r.log['message:received']), ['m1', 'm2', 'm3']);
    wipeSeen(r.kv);

    const restarted = await rig(r.peer);
    await restarted.deliver(...sent.map((m, i) => deliverOf(m, alice, me, { seq: 10 + i })));
    assert.deepEqual(restarted.acks, [[10, 11, 12]], 'refused, and acknowledged');
    assert.deepEqual(texts(r.log['message:received']), ['m1', 'm2', 'm3'], 'nothing shown again');
    assert.deepEqual(
      restarted.damaged.map((d) => [d.seq, d.reason]),
      [
        [10, 'counter-reused'],
        [11, 'counter-reused'],
      ],
    );
    assert.deepEqual(
      r.log['message:rejected']?.map((x) => x.reason),
      ['counter-reused', 'counter-reused', 'replay'],
      'the newest one is known by its id in the counter window: a quiet duplicate',
    );
    assert.equal((await r.history.takeUnread()).length, 3);
  });

  it('refuses mail older than the mail lifetime replayed to a profile that lost everything, by time', async () => {
    const sent = [1, 2].map((n) => textInner(alice, me, `old ${n}`, { counter: n }));
    const sentAtMs = sent[0]?.sentAtMs ?? 0;
    const r = await rig(undefined, new ManualClock(sentAtMs + MAX_MESSAGE_AGE_MS + 1));
    await r.deliver(...sent.map((m, i) => deliverOf(m, alice, me, { seq: i + 1 })));
    assert.deepEqual(r.acks, [[1, 2]]);
    assert.equal(r.log['message:received'], undefined);
    assert.deepEqual(
      r.damaged.map((d) => [d.reason, d.code]),
      [
        ['expired', 'E_MESSAGE_DAMAGED'],
        ['expired', 'E_MESSAGE_DAMAGED'],
      ],
    );
    assert.deepEqual(await r.history.takeUnread(), []);
  });

  it('refuses a future-dated message as damaged, acknowledged, without moving the counter', async () => {
    const r = await rig();
    const ahead = textInner(alice, me, 'from tomorrow', {
      counter: 5,
      sentAtMs: NOW + MAX_FUTURE_SKEW_MS + 1,
    });
    await r.deliver(deliverOf(ahead, alice, me, { seq: 1 }));
    assert.deepEqual(r.acks, [[1]]);
    assert.deepEqual(
      r.damaged.map((d) => d.reason),
      ['future-dated'],
    );
    assert.equal(r.log['message:received'], undefined);
    await r.deliver(deliverOf(textInner(alice, me, 'now', { counter: 1 }), alice, me, { seq: 2 }));
    assert.deepEqual(texts(r.log['message:received']), ['now']);
    assert.deepEqual(r.notices, [], 'the refused counter left no gap behind');
  });

  it("does not let another sender pre-empt a message id: both are shown, each in its sender's history", async () => {
    const r = await rig();
    // x: mallory's copy of the id comes first; y: it comes after alice's message.
    const x = textInner(alice, me, 'genuine x', { counter: 1 });
    const y = textInner(alice, me, 'genuine y', { counter: 2 });
    const preemptX = textInner(mallory, me, 'pre-empted x', { msgId: x.msgId, counter: 1 });
    const overwriteY = textInner(mallory, me, 'over y', { msgId: y.msgId, counter: 2 });
    await r.deliver(deliverOf(preemptX, mallory, me, { seq: 1 }));
    await r.deliver(deliverOf(x, alice, me, { seq: 2 }), deliverOf(y, alice, me, { seq: 3 }));
    await r.deliver(deliverOf(overwriteY, mallory, me, { seq: 4 }));
    assert.deepEqual(texts(r.log['message:received']), [
      'pre-empted x',
      'genuine x',
      'genuine y',
      'over y',
    ]);
    assert.equal(r.log['message:rejected'], undefined);
    const malloryHex = toHex(mallory.id.signPk);
    assert.equal((await r.history.incoming(aliceHex, toHex(x.msgId)))?.text, 'genuine x');
    assert.equal((await r.history.incoming(aliceHex, toHex(y.msgId)))?.text, 'genuine y');
    assert.equal((await r.history.incoming(malloryHex, toHex(x.msgId)))?.text, 'pre-empted x');
    assert.equal((await r.history.incoming(malloryHex, toHex(y.msgId)))?.text, 'over y');
  });

  it('still counts seen entries written before ids were namespaced', async () => {
    const r = await rig();
    const old = textInner(alice, me, 'seen long ago');
    await r.kv.batch([{ type: 'put', key: PREFIX.seen + toHex(old.msgId), value: String(NOW) }]);
    await r.deliver(deliverOf(old, alice, me, { seq: 1 }));
    assert.deepEqual(r.acks, [[1]]);
    assert.deepEqual(
      r.log['message:rejected']?.map((x) => x.reason),
      ['replay'],
    );
    assert.equal(r.log['message:received'], undefined);
  });

  it('notes a gap in the conversation once durable and acknowledged, and takes the late messages', async () => {
    const r = await rig();
    const at = (n: number) => textInner(alice, me, `m${n}`, { counter: n });
    await r.deliver(deliverOf(at(1), alice, me, { seq: 1 }));
    await r.deliver(deliverOf(at(4), alice, me, { seq: 2 }));
    assert.equal(r.notices.length, 1);
    const [gap] = r.notices;
    assert.equal(gap?.kind, 'gap');
    assert.equal(gap?.conversation, directConversation('alice'));
    assert.deepEqual([gap?.previousCounter, gap?.counter, gap?.missing], [1, 4, 2]);
    assert.equal(gap?.from.userId, aliceHex);
    assert.deepEqual(r.acksAtNotice, [2], 'announced once the ack is out');
    assert.ok(
      [...(r.durableAtAck[1] ?? [])].some((k) => k.startsWith(PREFIX.notices)),
      'durable before the ack',
    );
    await r.deliver(
      deliverOf(at(3), alice, me, { seq: 3 }),
      deliverOf(at(2), alice, me, { seq: 4 }),
    );
    assert.deepEqual(texts(r.log['message:received']), ['m1', 'm4', 'm3', 'm2']);
    assert.equal(r.notices.length, 1, 'late arrivals are no news');
    assert.deepEqual(
      (await r.noticeLog.take()).map((n) => n.kind),
      ['gap'],
    );
    assert.deepEqual(await r.noticeLog.take(), [], 'each notice is taken once');
  });

  it('shows new messages from a sender whose numbering went back, with one notice, and still refuses old ones', async () => {
    const r = await rig();
    const before = [1, 2].map((n) =>
      textInner(alice, me, `before ${n}`, { counter: n, sentAtMs: NOW - 50 + n }),
    );
    await r.deliver(...before.map((m, i) => deliverOf(m, alice, me, { seq: i + 1 })));
    const restored = [1, 2].map((n) =>
      textInner(alice, me, `restored ${n}`, { counter: n, sentAtMs: NOW + n }),
    );
    await r.deliver(...restored.map((m, i) => deliverOf(m, alice, me, { seq: 10 + i })));
    const oldCopy = { ...before[0], msgId: new Uint8Array(16).fill(3) } as (typeof before)[0];
    await r.deliver(deliverOf(oldCopy, alice, me, { seq: 20 }));
    assert.deepEqual(texts(r.log['message:received']), [
      'before 1',
      'before 2',
      'restored 1',
      'restored 2',
    ]);
    assert.deepEqual(
      r.notices.map((n) => [n.kind, n.counter, n.previousCounter]),
      [['rewound', 1, 2]],
    );
    assert.deepEqual(
      r.damaged.map((d) => d.reason),
      ['counter-reused'],
    );
  });

  it('refuses the second of two messages with one counter in the same batch', async () => {
    const r = await rig();
    const first = textInner(alice, me, 'first', { counter: 1 });
    const second = textInner(alice, me, 'second', { counter: 1 });
    await r.deliver(
      deliverOf(first, alice, me, { seq: 1 }),
      deliverOf(second, alice, me, { seq: 2 }),
    );
    assert.deepEqual(r.acks, [[1, 2]]);
    assert.deepEqual(texts(r.log['message:received']), ['first']);
    assert.deepEqual(
      r.damaged.map((d) => [d.seq, d.reason]),
      [[2, 'counter-reused']],
    );
  });

  it('takes a redelivery after a batch that failed before its write, with nothing left half-accepted', async () => {
    const r = await rig();
    const first = textInner(alice, me, 'first');
    const second = textInner(mallory, me, 'second');
    const realGet = r.kv.get.bind(r.kv);
    let failing = true;
    r.kv.get = async (key) => {
      // mallory's counter window cannot be read, after alice's message was taken.
      if (failing && key.startsWith(PREFIX.inCounters + toHex(mallory.id.signPk))) {
        failing = false;
        throw new Error('disk on fire');
      }
      return realGet(key);
    };
    const both = () => [
      deliverOf(first, alice, me, { seq: 1 }),
      deliverOf(second, mallory, me, { seq: 2 }),
    ];
    await r.deliver(...both());
    assert.deepEqual(r.acks, []);
    assert.equal(r.log.error?.length, 1);
    await r.deliver(...both());
    assert.deepEqual(r.acks, [[1, 2]]);
    assert.deepEqual(texts(r.log['message:received']), ['first', 'second']);
  });

  it('prunes seen ids older than the window as it writes deliveries', async () => {
    const r = await rig();
    const old = textInner(alice, me, 'old', { counter: 1, sentAtMs: NOW });
    await r.deliver(deliverOf(old, alice, me, { seq: 1 }));
    const oldKey = `${PREFIX.seen2}${aliceHex}!${toHex(old.msgId)}`;
    assert.ok(r.kv.data.has(oldKey));
    r.clock.advance(MAX_MESSAGE_AGE_MS + SEEN_PRUNE_INTERVAL_MS + 1);
    const fresh = textInner(alice, me, 'fresh', { counter: 2, sentAtMs: r.clock.now() });
    await r.deliver(deliverOf(fresh, alice, me, { seq: 2 }));
    assert.equal(r.kv.data.has(oldKey), false);
    assert.ok(r.kv.data.has(`${PREFIX.seen2}${aliceHex}!${toHex(fresh.msgId)}`));
    await r.deliver(deliverOf(old, alice, me, { seq: 3 }));
    assert.deepEqual(
      r.damaged.map((d) => d.reason),
      ['expired'],
      'a copy of a forgotten message is refused by its time',
    );
  });
});
