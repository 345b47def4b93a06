/**
 * The outbox sender's group kinds: a group message leaves sealed as composed (one
 * GroupSend for everyone), and a sender key is sealed to its member's own key only.
 */
import assert from 'node:assert/strict';
import { DirectConversations } from '../../../../src/peer/conversations/direct.js';
import { directConversation, groupConversation } from '../../../../src/peer/conversations/ids.js';
import { OutboxSender } from '../../../../src/peer/messaging/sender.js';
import { fromHex, toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { decodeInner } from '../../../../src/wire/codec.js';
import type { AckCode, Frame } from '../../../../src/wire/types.js';
import { memoryPeer, person } from '../../../helpers/peer-fixtures.js';

const me = person('alice');
const bob = person('bob');
const gid = 'ab'.repeat(16);
/** A share's size (sender-keys-codec.ts): 1 + 32 + 4 + 32 bytes. */
const share69 = `4b${'07'.repeat(68)}`;

async function rig() {
  const p = await memoryPeer(me);
  const clock = new ManualClock();
  const frames: Frame[] = [];
  const link = {
    send: (f: Frame) => {
      frames.push(f);
      return true;
    },
    writable: true,
  };
  const direct = new DirectConversations({
    contacts: p.contacts,
    lookups: { request: async () => ({ card: null }) },
    keyring: me.keyring,
    me: { userId: me.id.signPk, pseudonym: me.name },
  });
  const sender = new OutboxSender({ ...p, direct, link, clock, random: () => 0.5 });
  const queue = async (entry: Parameters<typeof p.outbox.enqueueOps>[0], text?: string) => {
    const { ops } = p.outbox.enqueueOps(entry);
    if (text !== undefined) {
      ops.push(
        ...p.history.appendOps(
          {
            conversation: entry.conversation,
            direction: 'out',
            msgId: entry.msgId,
            peer: { pseudonym: 'team', userId: '' },
            text,
            sentAtMs: entry.sentAtMs,
            state: 'queued',
          },
          { atMs: entry.sentAtMs },
        ),
      );
    }
    await p.store.write(ops);
    sender.kick();
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const ack = (msgId: string, code: AckCode) =>
    sender.onSendAck({ type: 'send-ack', msgId: fromHex(msgId), code, reason: '' });
  return { ...p, clock, frames, sender, queue, ack };
}

describe('outbox sender: group messages and sender keys', () => {
  it('sends a group message as composed, once, and marks it stored on the ack', async () => {
    const r = await rig();
    const body = Uint8Array.of(1, 2, 3, 4);
    const msgId = '11'.repeat(16);
    await r.queue(
      {
        msgId,
        conversation: groupConversation(gid),
        content: { kind: 'group-text', body: 'hi team' },
        sentAtMs: r.clock.now(),
        sealedGroup: body,
      },
      'hi team',
    );
    assert.deepEqual(r.frames, [
      { type: 'group-send', groupId: fromHex(gid), msgId: fromHex(msgId), body },
    ]);
    await r.ack(msgId, 'stored');
    assert.equal(r.outbox.get(msgId), undefined);
    assert.equal((await r.history.outgoing(msgId))?.state, 'stored');
  });

  it('fails a group message the relay refuses as unknown-recipient (no such group, or not a member)', async () => {
    const r = await rig();
    const msgId = '22'.repeat(16);
    await r.queue(
      {
        msgId,
        conversation: groupConversation(gid),
        content: { kind: 'group-text', body: 'anyone?' },
        sentAtMs: r.clock.now(),
        sealedGroup: Uint8Array.of(9),
      },
      'anyone?',
    );
    await r.ack(msgId, 'unknown-recipient');
    assert.equal((await r.history.outgoing(msgId))?.state, 'failed');
    assert.equal(r.frames.filter((f) => f.type === 'lookup').length, 0, 'no lookup for a group');
  });

  it("seals a sender key to the member's own key, and never to another key of the name", async () => {
    const r = await rig();
    await r.contacts.observe(bob.card);
    const share = (to: string, msgId: string) =>
      r.queue({
        msgId,
        conversation: directConversation('bob'),
        peerName: 'bob',
        content: { kind: 'sender-key', groupId: gid, epoch: 2, share: share69, to },
        sentAtMs: r.clock.now(),
      });
    await share(toHex(bob.id.signPk), '33'.repeat(16));
    const sent = r.frames.find((f) => f.type === 'send');
    assert.ok(sent?.type === 'send');
    assert.deepEqual(sent.to, bob.id.signPk);
    const opened = bob.keyring.open(me.card.boxPk, sent.nonce, sent.ciphertext);
    assert.ok(opened.ok);
    const inner = decodeInner(opened.plaintext);
    assert.deepEqual(inner.content, {
      kind: 'sender-key',
      groupId: fromHex(gid),
      epoch: 2,
      share: fromHex(share69),
    });
    const someoneElse = person('bob');
    await share(toHex(someoneElse.id.signPk), '44'.repeat(16));
    assert.equal(r.frames.filter((f) => f.type === 'send').length, 1, 'nothing sealed to bob');
    assert.equal(r.outbox.get('44'.repeat(16)), undefined, 'dropped, not retried');
  });
});
