/**
 * The mailbox's open on a real LevelDB with much mail waiting (QA, seventeenth sitting:
 * 1.1 GB waiting made a 1.55 GB start): the index comes from the keys and the snapshot
 * (mail-snapshot.ts), not from every value, and still answers every quota and the TTL
 * sweep exactly as before the restart, whether the relay closed, died, or last ran a
 * version that wrote no snapshot.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../src/relay/limits.js';
import { MAIL_PREFIX } from '../../../src/relay/mail-keys.js';
import { SNAPSHOT_PREFIX } from '../../../src/relay/mail-snapshot.js';
import { Mailbox } from '../../../src/relay/mailbox.js';
import {
  DISK_FULL_RECHECK_MS,
  LevelKv,
  type RelayKv,
  RelayStore,
  type RelayStoreOptions,
  scanKeys,
} from '../../../src/relay/store/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { enqueueDurable } from '../../helpers/enqueue.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const hexOf = () => Buffer.from(generateIdentity().signPk).toString('hex');
const senders = [generateIdentity().signPk, generateIdentity().signPk];
const recipients = [hexOf(), hexOf(), hexOf()];

/** The LevelDB under a relay store, counting the mail values read from it. */
function counting(kv: RelayKv): RelayKv & { mailValuesRead: number } {
  const mail = (key: string) => key.startsWith(MAIL_PREFIX);
  const spy = Object.create(kv) as RelayKv & { mailValuesRead: number };
  spy.mailValuesRead = 0;
  spy.get = async (key) => {
    const value = await kv.get(key);
    if (value !== undefined && mail(key)) spy.mailValuesRead++;
    return value;
  };
  spy.range = async (range) => {
    const entries = await kv.range(range);
    spy.mailValuesRead += entries.filter(([key]) => mail(key)).length;
    return entries;
  };
  return spy;
}

/** A record whose first 8 bytes are its store time (what storedAtOf reads back), `size` long. */
function record(storedAtMs: number, size: number): Uint8Array {
  const out = Buffer.alloc(size, 7);
  out.writeDoubleLE(storedAtMs, 0);
  return out;
}
const storedAtOf = (r: Uint8Array) => (r.length >= 8 ? Buffer.from(r).readDoubleLE(0) : null);

async function opened(
  dataDir: string,
  clock: ManualClock,
  limits: Partial<RelayLimits> = {},
  disk: Pick<RelayStoreOptions, 'minFreeDiskBytes' | 'freeBytes'> = { minFreeDiskBytes: 0 },
) {
  const kv = counting(await LevelKv.open(dataDir));
  const store = await RelayStore.open({ dataDir, kv, clock, log: silentLogger, ...disk });
  const mailbox = new Mailbox(store, {
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
    clock,
    storedAtOf,
  });
  await mailbox.open();
  return {
    mailbox,
    kv,
    /** A clean stop: the mailbox closes (writing its snapshot), then the store. */
    close: async () => {
      await mailbox.close();
      await store.close();
    },
    /** A crash: the store goes, the mailbox never closes. */
    die: () => store.close(),
  };
}

/** One mail of a `size`-byte record: its seq once stored, or the refusal. */
async function put(mailbox: Mailbox, sender: number, recipient: number, size: number) {
  const q = enqueueDurable(mailbox, senders[sender]!, recipients[recipient]!, (_seq, at) =>
    record(at, size),
  );
  if (q.code !== 'queued') return q.code;
  const done = await q.durable;
  return done.code === 'stored' ? done.mail.seq : done.code;
}

/** Many mails, three recipients, two senders, sizes that vary; their seqs per recipient. */
async function fill(mailbox: Mailbox, clock: ManualClock, n: number): Promise<number[][]> {
  const seqs: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    const seq = await put(mailbox, i % 2, i % 3, 40 + ((i * 37) % 900));
    clock.advance(1);
    assert.equal(typeof seq, 'number', String(seq));
    seqs[i % 3]!.push(seq as number);
  }
  return seqs;
}

/** Lets the writes a sweep began (not awaited by it) finish. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 100));

async function snapshotKeys(kv: RelayKv): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of scanKeys(kv, { gt: SNAPSHOT_PREFIX, lt: `${SNAPSHOT_PREFIX}~` })) {
    keys.push(key);
  }
  return keys;
}

describe('the mailbox open with much mail waiting (integration, LevelDB)', () => {
  afterEach(removeTempDirs);

  it('indexes many stored mails from their keys and the snapshot, reading no value', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    const first = await opened(dir, clock);
    await fill(first.mailbox, clock, 1500);
    const counts = recipients.map((r) => first.mailbox.pending(r));
    await first.close();

    const again = await opened(dir, clock);
    try {
      assert.equal(again.kv.mailValuesRead, 0, 'no mail value read at open');
      assert.deepEqual(
        recipients.map((r) => again.mailbox.pending(r)),
        counts,
      );
      assert.equal(again.mailbox.size, 1500);
      const { mails } = await again.mailbox.read(recipients[1]!, 0, 2000);
      assert.equal(mails.length, 500, 'the mail itself is all there');
    } finally {
      await again.close();
    }
  });

  it('opens a store written with no snapshot (an earlier version) and writes one for the next open', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    const first = await opened(dir, clock, { maxMailboxMessages: 300 });
    await fill(first.mailbox, clock, 900);
    await first.close();
    // What the earlier version left: the same mail keys and values, and no snapshot.
    const kv = await LevelKv.open(dir);
    const snapshots = await snapshotKeys(kv);
    assert.equal(snapshots.length, 3);
    await kv.write(
      snapshots.map((key) => ({ type: 'del', key }) as const),
      { sync: true },
    );
    await kv.close();

    const old = await opened(dir, clock, { maxMailboxMessages: 300 });
    assert.equal(old.kv.mailValuesRead, 900, 'each mail read once, from its value');
    assert.deepEqual(
      recipients.map((r) => old.mailbox.pending(r)),
      [300, 300, 300],
    );
    assert.equal(await put(old.mailbox, 0, 0, 40), 'recipient-quota');
    old.mailbox.sweep(); // the first sweep, at start, writes the snapshot
    await old.close();

    const next = await opened(dir, clock, { maxMailboxMessages: 300 });
    try {
      assert.equal(next.kv.mailValuesRead, 0);
      assert.equal(next.mailbox.size, 900);
    } finally {
      await next.close();
    }
  });

  it('after a crash, reads only the mail stored since the snapshot, and acked mail stays gone', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    const first = await opened(dir, clock);
    const seqs = await fill(first.mailbox, clock, 300);
    await first.close();

    const second = await opened(dir, clock);
    await fill(second.mailbox, clock, 30); // after the snapshot
    assert.equal(second.mailbox.ack(recipients[0]!, seqs[0]!.slice(0, 40)), 40);
    await put(second.mailbox, 0, 0, 40); // its batch carries the deletes before it
    await second.die();

    const third = await opened(dir, clock);
    try {
      assert.equal(third.kv.mailValuesRead, 31);
      assert.deepEqual(
        recipients.map((r) => third.mailbox.pending(r)),
        [100 + 10 + 1 - 40, 110, 110],
      );
      assert.equal(third.mailbox.ack(recipients[0]!, seqs[0]!.slice(0, 40)), 0, 'acked: gone');
    } finally {
      await third.close();
    }
  });

  it('writes the snapshot at the next sweep when the disk refused the last one', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    let free = 1e12;
    const disk = { minFreeDiskBytes: 1000, freeBytes: async () => free };
    const first = await opened(dir, clock, {}, disk);
    await fill(first.mailbox, clock, 60);
    free = 0;
    first.mailbox.sweep(); // its snapshot is refused: the disk is below the watermark
    await settled();
    free = 1e12;
    clock.advance(DISK_FULL_RECHECK_MS);
    await settled();
    first.mailbox.sweep(); // nothing changed since the refused one, and it is written
    await settled();
    await first.die();

    const again = await opened(dir, clock);
    try {
      assert.equal(again.kv.mailValuesRead, 0);
      assert.equal(again.mailbox.size, 60);
    } finally {
      await again.close();
    }
  });

  it('refuses at the same recipient and sender quotas after a restart as before it', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    const limits = {
      maxMailboxMessages: 50,
      maxMailboxBytes: 32 * 2000 + 1000,
      maxPendingPerSender: 60,
    };
    const first = await opened(dir, clock, limits);
    // Recipient 0: 49 mails of 32 + 1000 bytes = 50,568 bytes; recipient 1: 2 mails.
    for (let i = 0; i < 49; i++)
      assert.equal(typeof (await put(first.mailbox, 0, 0, 1000)), 'number');
    for (let i = 0; i < 2; i++)
      assert.equal(typeof (await put(first.mailbox, 1, 1, 1000)), 'number');
    await first.close();

    const again = await opened(dir, clock, limits);
    try {
      assert.equal(again.kv.mailValuesRead, 0);
      // The bytes left for recipient 0: 65,000 - 50,568 = 14,432, so 32 + 14,400 fits and one more byte does not.
      assert.equal(await put(again.mailbox, 1, 0, 14_401), 'recipient-quota');
      assert.equal(typeof (await put(again.mailbox, 1, 0, 14_400)), 'number');
      assert.equal(await put(again.mailbox, 1, 0, 10), 'recipient-quota', '50 messages');
      // Sender 0 has 49 waiting: 11 more to recipient 2 fit, the 12th does not.
      for (let i = 0; i < 11; i++)
        assert.equal(typeof (await put(again.mailbox, 0, 2, 10)), 'number');
      assert.equal(await put(again.mailbox, 0, 2, 10), 'sender-quota');
    } finally {
      await again.close();
    }
  });

  it('sweeps by the TTL after a restart exactly the mail stored before the cutoff', async () => {
    const dir = await makeTempDir();
    const clock = new ManualClock(1_000_000);
    const limits = { mailTtlMs: 100_000 };
    const first = await opened(dir, clock, limits);
    for (let i = 0; i < 20; i++) {
      await put(first.mailbox, i % 2, i % 3, 100); // stored at 1,000,000 + i * 1000
      clock.advance(1000);
    }
    await first.close();
    const second = await opened(dir, clock, limits);
    clock.advance(10_000);
    // Stored at 1,030,000, after the snapshot: read from its value at the next open.
    await put(second.mailbox, 0, 0, 100);
    await second.die();

    const third = await opened(dir, clock, limits);
    try {
      assert.equal(third.kv.mailValuesRead, 1);
      clock.advance(74_500); // cutoff 1,004,500
      assert.equal(third.mailbox.sweep(), 5);
      assert.equal(third.mailbox.size, 16);
      clock.advance(25_500); // cutoff 1,030,000: the rest of the first run's
      assert.equal(third.mailbox.sweep(), 15);
      clock.advance(1);
      assert.equal(third.mailbox.sweep(), 1);
      assert.equal(third.mailbox.size, 0);
    } finally {
      await third.close();
    }
  });
});
