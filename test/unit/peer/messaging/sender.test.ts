import assert from 'node:assert/strict';
import { DirectConversations } from '../../../../src/peer/conversations/direct.js';
import { MAX_MESSAGE_AGE_MS } from '../../../../src/peer/conversations/envelope.js';
import { directConversation } from '../../../../src/peer/conversations/ids.js';
import type { PeerEventMap } from '../../../../src/peer/events.js';
import { Lookups } from '../../../../src/peer/link/lookups.js';
import { Requests } from '../../../../src/peer/link/requests.js';
import { composeText } from '../../../../src/peer/messaging/compose.js';
import { History } from '../../../../src/peer/messaging/history.js';
import { MAX_SENDS_IN_FLIGHT } from '../../../../src/peer/messaging/outcomes.js';
import { relayRefusalError } from '../../../../src/peer/messaging/refusals.js';
import { OutboxSender } from '../../../../src/peer/messaging/sender.js';
import { fromHex, toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isNatterError } from '../../../../src/util/errors.js';
import type { AckCode, Card, Frame, FrameOf } from '../../../../src/wire/types.js';
import { memoryPeer, person } from '../../../helpers/peer-fixtures.js';

const me = person('alice');
const bob = person('bob');

/** An OutboxSender over memory, a fake relay directory and a frame log. */
async function rig(
  directory: Record<string, Card> = { bob: bob.card },
  unansweredLookups = 0,
  /** Called after each Send frame is taken (a test's way to drop the link mid-run). */
  afterSend: (f: FrameOf<'send'>) => void = () => {},
) {
  const p = await memoryPeer(me);
  const clock = new ManualClock();
  const sent: FrameOf<'send'>[] = [];
  let ready = true;
  let requests: Requests;
  const lookedUp: string[] = [];
  const send = (f: Frame): boolean => {
    if (!ready) return false;
    if (f.type === 'send') {
      sent.push(f);
      afterSend(f);
    }
    if (f.type === 'lookup' && 'pseudonym' in f.by) lookedUp.push(f.by.pseudonym);
    if (f.type === 'lookup' && unansweredLookups > 0) unansweredLookups--;
    else if (f.type === 'lookup') {
      const name = 'pseudonym' in f.by ? f.by.pseudonym.toLowerCase() : '';
      const card = directory[name] ?? null;
      queueMicrotask(() =>
        requests.settle({ type: 'lookup-result', requestId: f.requestId, card, online: true }),
      );
    }
    return true;
  };
  requests = new Requests({ send, clock });
  const direct = new DirectConversations({
    contacts: p.contacts,
    lookups: new Lookups(requests),
    keyring: me.keyring,
    me: { userId: me.id.signPk, pseudonym: me.name },
  });
  const sender = new OutboxSender({
    outbox: p.outbox,
    history: p.history,
    direct,
    events: p.events,
    link: {
      send,
      get writable() {
        return ready;
      },
    },
    clock,
    random: () => 0.5,
  });
  const queue = async (to: string, text: string) => {
    const m = composeText({ ...p, myName: me.name }, to, text, clock.now());
    await p.store.write(m.ops);
    sender.kick();
    return m.msgId;
  };
  const ack = (msgId: string, code: AckCode) =>
    sender.onSendAck({ type: 'send-ack', msgId: fromHex(msgId), code, reason: '' });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  const setReady = (r: boolean) => {
    ready = r;
  };
  return { ...p, clock, sent, lookedUp, sender, queue, ack, settle, setReady };
}

describe('outbox sender: from outbox to relay and back', () => {
  it('looks up a new recipient, pins them and sends a box that only they can open', async () => {
    const r = await rig();
    const id = await r.queue('bob', 'hello');
    await r.settle();
    assert.equal(r.sent.length, 1);
    assert.equal(toHex(r.sent[0]!.msgId), id);
    assert.deepEqual(r.sent[0]!.to, bob.id.signPk);
    assert.ok(r.contacts.get('bob'), 'pinned on first use');
    const opened = bob.keyring.open(me.card.boxPk, r.sent[0]!.nonce, r.sent[0]!.ciphertext);
    assert.ok(opened.ok);
  });

  it('seals to a pinned contact at once, with no Lookup round trip before the first byte', async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    r.sender.onReady();
    await r.queue('bob', 'one');
    await r.queue('BOB', 'two');
    await r.settle();
    assert.equal(r.sent.length, 2);
    assert.deepEqual(r.lookedUp, []);
    assert.ok(bob.keyring.open(me.card.boxPk, r.sent[0]!.nonce, r.sent[0]!.ciphertext).ok);
  });

  it('looks a name that is not a contact up once per session', async () => {
    const r = await rig();
    await r.queue('bob', 'one');
    await r.settle();
    await r.queue('bob', 'two');
    await r.settle();
    assert.deepEqual(r.lookedUp, ['bob']);
    r.sender.onReady();
    await r.settle();
    assert.deepEqual(r.lookedUp, ['bob'], 'pinned by then: no lookup after a reconnect');
  });

  it('holds, rather than fails, a message the relay refused as unknown-recipient when the pinned key changed', async () => {
    const newBob = person('bob');
    const r = await rig({ bob: newBob.card });
    await r.contacts.observe(bob.card);
    const id = await r.queue('bob', 'to the old key');
    await r.settle();
    assert.deepEqual(r.sent[0]!.to, bob.id.signPk, 'sealed to the pinned key without asking');
    await r.ack(id, 'unknown-recipient');
    assert.deepEqual(r.lookedUp, ['bob'], 'asked once the relay refused it');
    assert.equal(r.log['contact:key-changed']?.length, 1);
    assert.equal(r.outbox.get(id)?.state, 'held');
    assert.equal(r.outbox.get(id)?.sealed, undefined, 'the old sealed form is dropped');
    assert.equal((await r.history.outgoing(id))?.state, 'held');
    await r.contacts.trust('bob', r.contacts.safetyNumber('bob'));
    await r.sender.releaseFor(directConversation('bob'));
    await r.settle();
    assert.deepEqual(r.sent[1]!.to, newBob.id.signPk);
  });

  it('fails a message to a pinned contact the relay no longer knows at all', async () => {
    const r = await rig({});
    await r.contacts.observe(bob.card);
    const id = await r.queue('bob', 'anyone there?');
    await r.settle();
    await r.ack(id, 'unknown-recipient');
    assert.equal(r.outbox.get(id), undefined);
    const h = await r.history.outgoing(id);
    assert.equal(h?.state, 'failed');
    assert.equal(h?.reason, 'unknown-recipient');
  });

  it('drops the entry and records stored when the relay acknowledges it', async () => {
    const r = await rig();
    const id = await r.queue('bob', 'hello');
    await r.settle();
    await r.ack(id, 'stored');
    assert.equal(r.outbox.get(id), undefined);
    assert.equal((await r.history.outgoing(id))?.state, 'stored');
    assert.deepEqual(
      r.log['message:status']?.map((s) => s.state),
      ['stored'],
    );
  });

  it('fails a message for good on unknown-recipient and too-large', async () => {
    for (const code of ['unknown-recipient', 'too-large'] as const) {
      const r = await rig();
      const id = await r.queue('bob', 'x');
      await r.settle();
      await r.ack(id, code);
      assert.equal(r.outbox.get(id), undefined);
      const h = await r.history.outgoing(id);
      assert.equal(h?.state, 'failed');
      assert.equal(h?.reason, code);
    }
  });

  it('fails an entry older than recipients accept as expired instead of sending it', async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    r.setReady(false);
    const old = await r.queue('bob', 'written before the relay went away');
    r.clock.advance(MAX_MESSAGE_AGE_MS - 1);
    const recent = await r.queue('bob', 'still fresh');
    r.clock.advance(2);
    r.setReady(true);
    r.sender.onReady();
    await r.settle();
    assert.deepEqual(
      r.sent.map((f) => toHex(f.msgId)),
      [recent],
      'only the entry within the window goes out',
    );
    assert.equal(r.outbox.get(old), undefined, 'the outbox lets go of it');
    const h = await r.history.outgoing(old);
    assert.equal(h?.state, 'failed');
    assert.equal(h?.reason, 'expired');
    assert.deepEqual(
      r.log['message:status']?.filter((s) => s.msgId === old).map((s) => [s.state, s.reason]),
      [['failed', 'expired']],
    );
  });

  it('expires an entry already sealed (and in retry backoff) rather than resending it', async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    const id = await r.queue('bob', 'relay full');
    await r.settle();
    r.clock.advance(MAX_MESSAGE_AGE_MS - 10_000);
    await r.ack(id, 'recipient-quota');
    assert.ok(r.outbox.get(id)?.sealed, 'sealed and kept');
    r.setReady(false);
    r.clock.advance(20_000);
    r.setReady(true);
    r.sender.onReady();
    await r.settle();
    assert.equal(r.sent.length, 1, 'no resend after it expired');
    assert.equal(r.outbox.get(id), undefined);
    assert.equal((await r.history.outgoing(id))?.reason, 'expired');
  });

  it('fails a message to a name the relay does not know without sending it', async () => {
    const r = await rig({});
    const id = await r.queue('nobody', 'x');
    await r.settle();
    assert.equal(r.sent.length, 0);
    assert.equal((await r.history.outgoing(id))?.reason, 'unknown-recipient');
  });

  it('leaves no trace of a message to a name nobody registered, and says once that it failed', async () => {
    const r = await rig({});
    const id = await r.queue('nobody', 'x');
    await r.settle();
    assert.equal(r.outbox.get(id), undefined, 'gone from the outbox');
    assert.deepEqual(await r.history.list(directConversation('nobody')), [], 'no history line');
    assert.equal(r.contacts.get('nobody'), undefined, 'no contact');
    assert.deepEqual(
      r.log['message:status']?.map((s) => [s.msgId, s.state, s.reason]),
      [[id, 'failed', 'unknown-recipient']],
    );
    assert.equal((await r.history.outgoing(id))?.reason, 'unknown-recipient', 'answered here');
    assert.equal(await (await History.load(r.store)).outgoing(id), undefined, 'not stored');
  });

  it('says once, then forgets, a message queued offline whose recipient turned out not to exist', async () => {
    const r = await rig({});
    r.setReady(false);
    const id = await r.queue('nobody', 'written while the relay was away');
    assert.equal(
      (await r.history.list(directConversation('nobody'))).length,
      1,
      'shown while queued',
    );
    r.setReady(true);
    r.sender.onReady();
    await r.settle();
    assert.equal(r.outbox.get(id), undefined);
    assert.deepEqual(await r.history.list(directConversation('nobody')), []);
    assert.equal(r.log['message:status']?.length, 1);
    const reopened = await History.load(r.store);
    assert.equal(await reopened.outgoing(id), undefined, 'not kept across a restart');
  });

  it('keeps a message refused for now and resends the same bytes after the backoff', async () => {
    const r = await rig();
    const id = await r.queue('bob', 'x');
    await r.settle();
    await r.ack(id, 'recipient-quota');
    assert.equal(r.outbox.get(id)?.attempts, 1);
    r.sender.kick();
    await r.settle();
    assert.equal(r.sent.length, 1, 'not before the backoff');
    r.clock.advance(60_000);
    await r.settle();
    assert.equal(r.sent.length, 2);
    assert.deepEqual(r.sent[1]!.ciphertext, r.sent[0]!.ciphertext);
  });

  it('holds a conversation’s later messages behind one refused for now, and sends them in order after it', async () => {
    const carol = person('carol');
    const r = await rig({ bob: bob.card, carol: carol.card });
    const first = await r.queue('bob', 'one');
    await r.settle();
    await r.ack(first, 'internal');
    const second = await r.queue('bob', 'two');
    const other = await r.queue('carol', 'to someone else');
    await r.settle();
    const toHexIds = () => r.sent.map((f) => toHex(f.msgId));
    assert.deepEqual(toHexIds(), [first, other], 'two waits behind one; carol is not held');
    r.clock.advance(60_000);
    await r.settle();
    assert.deepEqual(toHexIds().slice(2), [first, second]);
  });

  it('announces a refusal for now at once, with its stable code, and keeps the message queued', async () => {
    const expected = {
      'disk-full': 'E_RELAY_DISK_FULL',
      internal: 'E_RELAY_INTERNAL',
      'recipient-quota': 'E_RELAY_RECIPIENT_QUOTA',
      'sender-quota': 'E_RELAY_SENDER_QUOTA',
    } as const;
    for (const [refusal, code] of Object.entries(expected) as [keyof typeof expected, string][]) {
      const r = await rig();
      const refused: PeerEventMap['message:refused'][] = [];
      r.events.on('message:refused', (e) => refused.push(e));
      const id = await r.queue('bob', 'x');
      await r.settle();
      await r.ack(id, refusal);
      assert.equal(refused.length, 1, refusal);
      assert.equal(refused[0]?.code, code);
      assert.equal(refused[0]?.refusal, refusal);
      assert.equal(refused[0]?.msgId, id);
      assert.equal(refused[0]?.conversation, directConversation('bob'));
      assert.equal(refused[0]?.attempts, 1);
      assert.ok((refused[0]?.retryAtMs ?? 0) >= r.clock.now());
      assert.equal(r.outbox.get(id)?.state, 'queued');
      assert.equal(r.outbox.get(id)?.reason, refusal);
      assert.equal(r.sender.refusals(), 1);
      assert.equal(r.log['message:status'], undefined, 'still queued: no state change');
    }
  });

  it('says "relay disk is full (E_RELAY_DISK_FULL)" through the refusal error factory', () => {
    const err = relayRefusalError('disk-full', '1 message(s) stay queued');
    assert.ok(isNatterError(err, 'E_RELAY_DISK_FULL'));
    assert.equal(err.message, 'relay disk is full; 1 message(s) stay queued');
  });

  it('sends messages whose recipient lookup went unanswered once the relay answers a retry', async () => {
    const r = await rig({ bob: bob.card }, 1);
    await r.queue('bob', 'one');
    await r.queue('bob', 'two');
    await r.settle();
    assert.equal(r.sent.length, 0);
    r.clock.advance(10_000);
    await r.settle();
    r.clock.advance(1_000);
    await r.settle();
    assert.deepEqual(r.sent.length, 2);
  });

  it('resends everything unacknowledged after a reconnect', async () => {
    const r = await rig();
    await r.queue('bob', 'one');
    await r.queue('bob', 'two');
    await r.settle();
    assert.equal(r.sent.length, 2);
    r.setReady(false);
    r.sender.onOffline();
    r.setReady(true);
    r.sender.onReady();
    await r.settle();
    assert.equal(r.sent.length, 4);
  });

  it('resends in the order written when the link comes back while a run is still sending', async () => {
    let reconnects = 0;
    let reconnect = () => {};
    const r = await rig({ bob: bob.card }, 0, () => {
      // Not inside send(): the link comes back while the run awaits its next entry.
      if (reconnects++ === 0) queueMicrotask(() => reconnect());
    });
    await r.contacts.observe(bob.card);
    reconnect = () => {
      r.sender.onOffline();
      r.sender.onReady();
    };
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const m = composeText({ ...r, myName: me.name }, 'bob', text, r.clock.now());
      await r.store.write(m.ops);
      ids.push(m.msgId);
    }
    r.sender.kick();
    await r.settle();
    // The first went out on the old session; the new one gets all three, oldest first.
    assert.deepEqual(
      r.sent.slice(1).map((f) => toHex(f.msgId)),
      ids,
    );
  });

  it('holds messages to a contact whose key changed and seals them to the new key only after trust', async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    const newBob = person('bob');
    await r.contacts.observe(newBob.card);
    const id = await r.queue('bob', 'for the real bob');
    await r.sender.holdFor(directConversation('bob'));
    await r.settle();
    assert.equal(r.sent.length, 0);
    assert.equal(r.outbox.get(id)?.state, 'held');
    assert.equal((await r.history.outgoing(id))?.state, 'held');
    await r.contacts.trust('bob', r.contacts.safetyNumber('bob'));
    assert.equal(await r.sender.releaseFor(directConversation('bob')), 1);
    await r.settle();
    assert.equal(r.sent.length, 1);
    assert.deepEqual(r.sent[0]!.to, newBob.id.signPk);
    assert.ok(newBob.keyring.open(me.card.boxPk, r.sent[0]!.nonce, r.sent[0]!.ciphertext).ok);
  });

  it('keeps at most MAX_SENDS_IN_FLIGHT sends unanswered, the rest going out as SendAcks come', async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    r.sender.onReady();
    const total = MAX_SENDS_IN_FLIGHT + 8;
    const ids: string[] = [];
    for (let i = 0; i < total; i++) ids.push(await r.queue('bob', `m${i}`));
    await r.settle();
    assert.equal(r.sent.length, MAX_SENDS_IN_FLIGHT);
    for (const f of r.sent.slice(0, 5)) await r.ack(toHex(f.msgId), 'stored');
    await r.settle();
    assert.equal(r.sent.length, MAX_SENDS_IN_FLIGHT + 5, 'one more for each answer');
    for (const f of r.sent.slice(5)) await r.ack(toHex(f.msgId), 'delivered');
    await r.settle();
    assert.deepEqual(
      r.sent.map((f) => toHex(f.msgId)),
      ids,
      'every message sent once, in the order written',
    );
  });

  it('sends nothing while offline and keeps the message queued', async () => {
    const r = await rig();
    r.setReady(false);
    const id = await r.queue('bob', 'later');
    await r.settle();
    assert.equal(r.sent.length, 0);
    assert.equal(r.outbox.get(id)?.state, 'queued');
  });

  it('cancels a queued message for good: never sent, failed as cancelled; plumbing is not cancellable', async () => {
    const r = await rig();
    r.setReady(false);
    const id = await r.queue('bob', 'never mind');
    assert.equal(await r.sender.cancel(id), true);
    assert.equal(await r.sender.cancel(id), false, 'once');
    assert.equal(r.outbox.get(id), undefined);
    const entry = await r.history.outgoing(id);
    assert.deepEqual([entry?.state, entry?.reason], ['failed', 'cancelled']);
    r.setReady(true);
    r.sender.kick();
    await r.settle();
    assert.equal(r.sent.length, 0);
    const receipt = r.outbox.enqueueOps({
      msgId: 'cc'.repeat(16),
      conversation: directConversation('bob'),
      content: { kind: 'receipt', msgIds: [] },
      sentAtMs: 0,
    });
    await r.store.write(receipt.ops);
    assert.equal(await r.sender.cancel(receipt.entry.msgId), false);
  });

  it('refuses to compose a message to myself, an empty one or one over the size limit', async () => {
    const r = await rig();
    await assert.rejects(r.queue('ALICE', 'hi'), (e) => isNatterError(e, 'E_SELF'));
    await assert.rejects(r.queue('bob', ''), (e) => isNatterError(e, 'E_EMPTY_MESSAGE'));
    await assert.rejects(r.queue('bob', 'x'.repeat(64 * 1024 + 1)), (e) =>
      isNatterError(e, 'E_TOO_LARGE'),
    );
    await assert.rejects(r.queue('bad name', 'hi'), (e) => isNatterError(e, 'E_BAD_PSEUDONYM'));
  });
});
