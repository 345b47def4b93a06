import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Fanout, type Sender } from '../../../src/relay/fanout.js';
import type { Hub } from '../../../src/relay/hub.js';
import type { EnqueueResult, MailStore } from '../../../src/relay/mail-store.js';
import type { Card } from '../../../src/wire/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A mail store that keeps what enqueue was given, as the mailbox keeps `done` until the outcome. */
function keepingStore() {
  const kept: { done: ((r: EnqueueResult) => void) | null } = { done: null };
  const store = {
    enqueue(
      _s: unknown,
      recipientHex: string,
      build: (seq: number, at: number) => Uint8Array,
      ...rest: unknown[]
    ) {
      const record = build(1, 1_700_000_000_000);
      kept.done = rest[2] as (r: EnqueueResult) => void;
      return { code: 'queued', mail: { seq: 1, recipientHex, record }, prevSeq: 0 };
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

describe('relay/fanout', () => {
  it("keeps only the message id for the sender's ack, not the message it built the record from", async () => {
    const { store, kept } = keepingStore();
    const acks: string[] = [];
    const sender: Sender = {
      takesDeliveredAck: true,
      sendStarted() {},
      sendFinished() {},
      send: (f) => acks.push(f.code),
    };
    const hub = { deliverEarly: () => false, deliver() {} } as unknown as Hub;
    const fanout = new Fanout(store, hub);
    let ref: WeakRef<object>;
    (() => {
      // The received frame's stand-in: big, so that keeping it would show.
      const frame = new Uint8Array(1 << 20);
      const msg = {
        msgId: new Uint8Array(16).fill(9),
        nonce: frame.subarray(0, 24),
        ciphertext: frame.subarray(24, 240),
      };
      ref = new WeakRef(msg.ciphertext.buffer);
      fanout.send(sender, card, 'bb'.repeat(32), msg);
    })();
    assert.ok(kept.done, 'the store holds the ack');
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(ref!.deref(), undefined, 'the ack kept the received frame alive');
    kept.done({
      code: 'delivered',
      mail: { seq: 1, recipientHex: 'bb'.repeat(32), record: new Uint8Array(1) },
    });
    assert.deepEqual(acks, ['delivered']);
  });
});
