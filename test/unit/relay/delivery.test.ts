/**
 * The relay pushes mail to a live session while it is still being written
 * (offerEarly), and again offers it once durable (offer). Whatever mix of the
 * two a session sees, it must receive each mail once, in seq order, with none
 * skipped: these drive a Session over an in-memory stream with a stand-in store.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import type { RelayLimits } from '../../../src/relay/limits.js';
import type { StoredMail } from '../../../src/relay/mail-store.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder } from '../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../src/wire/limits.js';
import { memorySession } from '../../helpers/memory-session.js';
import { cardOf } from '../../helpers/raw-client.js';

const sender = cardOf(generateIdentity(), 'alice');
const recipient = cardOf(generateIdentity(), 'bob');
const recipientHex = Buffer.from(recipient.userId).toString('hex');

function mail(seq: number): StoredMail {
  const frame = encodeFrame({
    type: 'deliver',
    seq,
    from: sender,
    msgId: randomBytes(16),
    nonce: randomBytes(24),
    ciphertext: randomBytes(40),
    storedAtMs: 1,
  });
  return { seq, recipientHex, record: frame };
}

/** A ready session for bob, the seqs it pushes, and the store its catch-up reads. */
function setup(limits: Partial<RelayLimits> = {}) {
  const durable: StoredMail[] = [];
  const reads = { count: 0 };
  const { session, clientSide } = memorySession({
    limits,
    async read(_user, afterSeq, limit) {
      reads.count++;
      // A store read takes a turn, as LevelDB's does: a loop of them would not hang the test.
      await new Promise((r) => setImmediate(r));
      const mails = durable.filter((m) => m.seq > afterSeq).slice(0, limit);
      return { mails, done: mails.length < limit };
    },
  });
  const pushed: number[] = [];
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  clientSide.on('data', (chunk: Buffer) => {
    for (const bytes of decoder.push(chunk)) {
      const f = decodeFrame(bytes);
      if (f.type === 'deliver') pushed.push(f.seq);
    }
  });
  session.becomeReady(recipient, false);
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { session, durable, pushed, settle, reads };
}

describe('relay session: pushing mail while it is written', () => {
  it('pushes mail as it is queued, and not again once it is durable', async () => {
    const { session, durable, pushed, settle } = setup();
    await settle();
    const m1 = mail(1);
    session.offerEarly(m1, 0);
    durable.push(m1);
    session.offer(m1);
    await settle();
    assert.deepEqual(pushed, [1]);
  });

  it('holds back mail that would overtake an earlier one still being written', async () => {
    const { session, durable, pushed, settle } = setup();
    await settle();
    // Mail 1 was queued before this session was ready, so it was never offered early.
    const [m1, m2, m3] = [mail(1), mail(2), mail(3)];
    session.offerEarly(m2, 1);
    await settle();
    assert.deepEqual(pushed, [], 'mail 2 must not go out ahead of mail 1');
    durable.push(m1, m2);
    session.offer(m1);
    session.offer(m2);
    session.offerEarly(m3, 2);
    durable.push(m3);
    session.offer(m3);
    await settle();
    assert.deepEqual(pushed, [1, 2, 3]);
  });

  it('sends a backed-up session to the store, and it still gets everything once, in order', async () => {
    // One byte of buffer: after any push the session counts as backed up until it flushes.
    const { session, durable, pushed, settle } = setup({ maxSessionBufferedBytes: 1 });
    await settle();
    const mails = [1, 2, 3, 4].map(mail);
    const [m1, m2, m3, m4] = mails as [StoredMail, StoredMail, StoredMail, StoredMail];
    session.offerEarly(m1, 0); // pushed
    session.offerEarly(m2, 1); // backed up: held
    session.offerEarly(m3, 2); // would overtake mail 2: held
    durable.push(m1, m2, m3);
    session.offer(m1);
    session.offer(m2); // still backed up: switches to reading the store
    session.offer(m3);
    await settle();
    session.offerEarly(m4, 3);
    durable.push(m4);
    session.offer(m4);
    await settle();
    assert.deepEqual(pushed, [1, 2, 3, 4]);
  });

  it('pushes nothing before the session is ready', async () => {
    const { session, pushed, settle } = setup();
    session.close();
    session.offerEarly(mail(1), 0);
    session.offer(mail(1));
    await settle();
    assert.deepEqual(pushed, []);
  });

  it('does not read the store again and again for offered mail acknowledged elsewhere meanwhile', async () => {
    const { session, durable, pushed, settle, reads } = setup({ maxSessionBufferedBytes: 1 });
    await settle();
    const [m1, m2, m3] = [mail(1), mail(2), mail(3)];
    durable.push(m1);
    session.offer(m1); // pushed: backed up until it flushes
    // Mail 2 is offered while backed up, then acknowledged by the user's other session
    // (or expired) before this one's catch-up reads it: it is not in the store any more.
    session.offer(m2);
    const before = reads.count;
    for (let i = 0; i < 4; i++) await settle();
    assert.ok(
      reads.count - before <= 2,
      `the catch-up read the store ${reads.count - before} times`,
    );
    // Caught up: the next mail goes out live.
    durable.push(m3);
    session.offer(m3);
    await settle();
    assert.deepEqual(pushed, [1, 3]);
  });
});
