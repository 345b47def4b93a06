/**
 * One suite for both mail stores (STYLE.md §12): the embedded LevelDB mailbox
 * and the NATS JetStream stream of a cluster (issue 15, on a nats-server of
 * the test's own). What the relay's sessions and handlers rely on holds for
 * both: order, each mail once with its seq, acks deleting only the acking
 * user's mail, the recipient quota, and mail kept across a restart.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { ClusterMailbox } from '../../../src/relay/cluster/mailbox.js';
import { deliverStoredAt, deliverWithSeq } from '../../../src/relay/deliver-record.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../src/relay/limits.js';
import type { MailStore } from '../../../src/relay/mail-store.js';
import { Mailbox } from '../../../src/relay/mailbox.js';
import { toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { enqueueDurable } from '../../helpers/enqueue.js';
import { natsServerPath } from '../../helpers/nats.js';
import { cardOf } from '../../helpers/raw-client.js';
import { clusterLinks, relayStores } from '../../helpers/stores.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const alice = cardOf(generateIdentity(), 'alice');
const bobHex = toHex(generateIdentity().signPk);
const carolHex = toHex(generateIdentity().signPk);

/** A store and how to open it again on the same data (a restart). */
interface Kind {
  open(limits?: Partial<RelayLimits>): Promise<MailStore>;
  teardown(): Promise<void>;
}

function levelKind(): Kind {
  const stores = relayStores();
  return {
    async open(limits = {}) {
      const mailbox = new Mailbox(await stores.open(), {
        limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
        clock: systemClock,
        storedAtOf: deliverStoredAt,
      });
      await mailbox.open();
      return mailbox;
    },
    teardown: () => stores.teardown(),
  };
}

function natsKind(): Kind {
  const links = clusterLinks();
  return {
    async open(limits = {}) {
      const mailbox = new ClusterMailbox(await links.open(), {
        limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
        clock: systemClock,
        log: silentLogger,
        withSeq: deliverWithSeq,
      });
      await mailbox.open();
      return mailbox;
    },
    teardown: () => links.teardown(),
  };
}

const kinds: Array<[string, () => Kind, boolean]> = [
  ['LevelDB (Mailbox)', levelKind, true],
  ['NATS JetStream (ClusterMailbox)', natsKind, natsServerPath !== null],
];

async function store(mailbox: MailStore, recipientHex: string, text: string): Promise<number> {
  const q = enqueueDurable(mailbox, alice.userId, recipientHex, (seq, storedAtMs) =>
    encodeFrame({
      type: 'deliver',
      seq,
      from: alice,
      msgId: randomBytes(16),
      nonce: randomBytes(24),
      ciphertext: Buffer.from(text.padEnd(16, '.')),
      storedAtMs,
    }),
  );
  if (q.code !== 'queued') throw Object.assign(new Error(q.reason), { code: q.code });
  const done = await q.durable;
  if (done.code !== 'stored') {
    throw Object.assign(new Error('reason' in done ? done.reason : done.code), { code: done.code });
  }
  return done.mail.seq;
}

function texts(mails: { seq: number; record: Uint8Array }[]): string[] {
  return mails.map((m) => {
    const f = decodeFrame(m.record);
    assert.ok(f.type === 'deliver');
    assert.equal(f.seq, m.seq, 'the record carries its seq');
    return Buffer.from(f.ciphertext).toString().replace(/\.+$/, '');
  });
}

for (const [name, make, available] of kinds) {
  (available ? describe : describe.skip)(`mail store compliance: ${name}`, function () {
    this.timeout(20_000);
    let kind: Kind;
    beforeEach(() => {
      kind = make();
    });
    afterEach(async () => {
      await kind.teardown();
    });
    after(removeTempDirs);

    it('reads back each recipient’s mail in order, each with its seq, and only theirs', async () => {
      const m = await kind.open();
      const seqs = [
        await store(m, bobHex, 'b1'),
        await store(m, carolHex, 'c1'),
        await store(m, bobHex, 'b2'),
      ];
      assert.ok(seqs[2]! > seqs[0]!);
      const bob = await m.read(bobHex, 0, 10);
      assert.deepEqual(texts(bob.mails), ['b1', 'b2']);
      assert.equal(bob.done, true);
      assert.equal(await m.pending(bobHex), 2);
      const after = await m.read(bobHex, bob.mails[0]!.seq, 10);
      assert.deepEqual(texts(after.mails), ['b2']);
    });

    it('reads in pages: done only when nothing more was stored', async () => {
      const m = await kind.open();
      for (const t of ['1', '2', '3']) await store(m, bobHex, t);
      const first = await m.read(bobHex, 0, 2);
      assert.deepEqual(texts(first.mails), ['1', '2']);
      assert.equal(first.done, false);
      const rest = await m.read(bobHex, first.mails[1]!.seq, 2);
      assert.deepEqual(texts(rest.mails), ['3']);
      assert.equal(rest.done, true);
    });

    it('deletes acknowledged mail of the acknowledging recipient only', async () => {
      const m = await kind.open();
      const b = await store(m, bobHex, 'for bob');
      const c = await store(m, carolHex, 'for carol');
      await m.read(bobHex, 0, 10);
      await m.read(carolHex, 0, 10);
      m.ack(bobHex, [b, c]); // bob acks carol's seq too: ignored
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(texts((await m.read(bobHex, 0, 10)).mails), []);
      assert.deepEqual(texts((await m.read(carolHex, 0, 10)).mails), ['for carol']);
      assert.equal(await m.pending(carolHex), 1);
    });

    it('refuses mail beyond the recipient quota', async () => {
      const m = await kind.open({ maxMailboxMessages: 2 });
      await store(m, bobHex, '1');
      await store(m, bobHex, '2');
      await assert.rejects(
        store(m, bobHex, '3'),
        (e: { code?: string }) => e.code === 'recipient-quota',
      );
      await store(m, carolHex, 'another recipient is not affected');
    });

    it('keeps stored mail across a restart', async () => {
      const m = await kind.open();
      await store(m, bobHex, 'kept');
      await m.close();
      const again = await kind.open();
      assert.deepEqual(texts((await again.read(bobHex, 0, 10)).mails), ['kept']);
      assert.equal(await again.pending(bobHex), 1);
    });
  });
}
