/**
 * The mailbox on a real LevelDB: a relay that dies after pushing mail it had
 * not yet written must never hand that mail's seq to another message, or a
 * late DeliverAck for the first would delete the second.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { DEFAULT_RELAY_LIMITS } from '../../../src/relay/limits.js';
import { mailKey, SEQ_RESTART_GAP } from '../../../src/relay/mail-keys.js';
import { Mailbox } from '../../../src/relay/mailbox.js';
import { RelayStore } from '../../../src/relay/store/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { enqueueDurable } from '../../helpers/enqueue.js';
import { cardOf } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const alice = cardOf(generateIdentity(), 'alice');
const bobHex = Buffer.from(generateIdentity().signPk).toString('hex');

async function open(dir: string) {
  const store = await RelayStore.open({
    dataDir: dir,
    minFreeDiskBytes: 0,
    clock: systemClock,
    log: silentLogger,
  });
  const mailbox = new Mailbox(store, {
    limits: DEFAULT_RELAY_LIMITS,
    clock: systemClock,
    storedAtOf: () => null,
  });
  await mailbox.open();
  return { store, mailbox };
}

function enqueue(mailbox: Mailbox) {
  const q = enqueueDurable(mailbox, alice.userId, bobHex, () => randomBytes(80));
  if (q.code !== 'queued') throw new Error(`refused: ${q.code}`);
  return q;
}

describe('relay mailbox (integration, LevelDB)', () => {
  after(removeTempDirs);

  it('never reuses a seq that a previous run issued but did not write', async () => {
    const dir = await makeTempDir();
    const first = await open(dir);
    const written = enqueue(first.mailbox);
    assert.equal((await written.durable).code, 'stored');
    // The seq the dead run pushed early, but whose write never happened.
    const lost = enqueue(first.mailbox);
    await lost.durable;
    await first.mailbox.close();
    await first.store.kv.write([{ type: 'del', key: mailKey(bobHex, lost.mail.seq) }], {
      sync: true,
    });
    await first.store.close();

    const second = await open(dir);
    const next = enqueue(second.mailbox);
    await next.durable;
    assert.ok(next.mail.seq > lost.mail.seq, `seq ${next.mail.seq} reuses ${lost.mail.seq}`);
    assert.ok(next.mail.seq > written.mail.seq + SEQ_RESTART_GAP - 1);
    assert.equal(second.mailbox.pending(bobHex), 2, 'both written mails are still there');
    await second.mailbox.close();
    await second.store.close();
  });

  it('moves the sequence durably at open, before any mail is accepted', async () => {
    const dir = await makeTempDir();
    const first = await open(dir);
    const issued = enqueue(first.mailbox).mail.seq;
    // Dies before the batch is written (nothing awaited, nothing closed cleanly
    // except the handle), then dies again right after the next start.
    await first.store.close();
    const second = await open(dir);
    await second.store.close();
    const third = await open(dir);
    const next = enqueue(third.mailbox);
    await next.durable;
    assert.ok(next.mail.seq > issued + SEQ_RESTART_GAP, 'each start moves past the last one');
    await third.mailbox.close();
    await third.store.close();
  });

  it('tells the caller which mail of the same recipient came just before', async () => {
    const dir = await makeTempDir();
    const { store, mailbox } = await open(dir);
    const a = enqueue(mailbox);
    const b = enqueue(mailbox);
    assert.equal(a.prevSeq, 0);
    assert.equal(b.prevSeq, a.mail.seq);
    await Promise.all([a.durable, b.durable]);
    await mailbox.close();
    await store.close();
  });
});
