import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Fanout, type Sender } from '../../../src/relay/fanout.js';
import type { Hub } from '../../../src/relay/hub.js';
import type { MailDone, MailStore } from '../../../src/relay/mail-store.js';
import type { Card } from '../../../src/wire/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A mail store that keeps what enqueue was given, as the mailbox keeps it until the outcome. */
function keepingStore() {
  const kept: { done: MailDone; msgId: Uint8Array | undefined }[] = [];
  const store = {
    enqueue(
      _sender: Uint8Array,
      recipientHex: string,
      build: (seq: number, at: number) => Uint8Array,
      msgId: Uint8Array | undefined,
      _early: unknown,
      done: MailDone,
    ) {
      const record = build(kept.length + 1, 1_700_000_000_000);
      kept.push({ done, msgId });
      return { code: 'queued', mail: { seq: kept.length, recipientHex, record }, prevSeq: 0 };
    },
  };
  return { store: store as unknown as MailStore, kept };
}

const card: Card = {
  userId: new Uint8Array(32).fill(1),
  pseudonym: 'alice',
  boxPk: new Uint8Array(32).fill(2),
  cardSig: new Uint8Array(64).fill(3),
};
const bob = 'bb'.repeat(32);

describe('relay/fanout', () => {
  it("keeps nothing of a message for its sender's ack: one callback per sender, given back the id", async () => {
    const { store, kept } = keepingStore();
    const acks: string[] = [];
    const sender: Sender = {
      understands: () => true,
      sendStarted() {},
      sendFinished() {},
      send: (f) => acks.push(`${f.code} ${f.msgId[0]}`),
      sendKeptAck: (msgId, code) => acks.push(`${code} ${msgId[0]}`),
      mailDone: null,
    };
    const hub = { deliverEarly: () => false, deliver() {} } as unknown as Hub;
    const fanout = new Fanout(store, hub);
    const refs: WeakRef<object>[] = [];
    for (const id of [7, 9]) {
      (() => {
        // The received frame's stand-in: big, so that keeping it would show.
        const frame = new Uint8Array(1 << 20);
        const msg = {
          msgId: new Uint8Array(16).fill(id),
          nonce: frame.subarray(0, 24),
          ciphertext: frame.subarray(24, 240),
        };
        refs.push(new WeakRef(frame.buffer));
        fanout.send(sender, card, bob, msg);
      })();
    }
    assert.equal(kept.length, 2, 'the store holds both acks');
    assert.equal(kept[0]!.done, kept[1]!.done, 'one callback for the sender, not one per message');
    await new Promise((r) => setImmediate(r));
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref()),
      [undefined, undefined],
      'the ack kept the received frame alive',
    );
    const mail = { seq: 1, recipientHex: bob, record: new Uint8Array(1) };
    for (const { done, msgId } of kept) done({ code: 'delivered', mail }, msgId);
    assert.deepEqual(acks, ['delivered 7', 'delivered 9']);
  });
});
