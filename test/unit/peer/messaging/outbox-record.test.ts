import assert from 'node:assert/strict';
import { directConversation, groupConversation } from '../../../../src/peer/conversations/ids.js';
import { Outbox } from '../../../../src/peer/messaging/outbox.js';
import {
  decodeOutboxRecord,
  encodeOutboxRecord,
  type OutboxEntry,
} from '../../../../src/peer/messaging/outbox-record.js';
import { MemoryKv, PeerStore, PREFIX } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';
import { isNatterError } from '../../../../src/util/errors.js';

const sealed = {
  to: new Uint8Array(32).fill(0x91),
  nonce: new Uint8Array(24).fill(0x24),
  ciphertext: new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
};

const entry = (over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  msgId: 'ab'.repeat(16),
  conversation: directConversation('bob'),
  peerName: 'Bob',
  content: { kind: 'text', body: 'hello' },
  counter: 1,
  sentAtMs: 1_700_000_000_000,
  state: 'queued',
  attempts: 0,
  ...over,
});

/** A record exactly as the client wrote it before issue 9 (test/fixtures/profile-v1 has real ones). */
const v1Record = (seq: number, over: Record<string, unknown>) => ({
  type: 'put' as const,
  key: `${PREFIX.outbox}${String(seq).padStart(16, '0')}`,
  value: JSON.stringify({
    msgId: `${String(seq).padStart(2, '0')}`.repeat(16),
    kind: 'text',
    toName: 'Bob',
    body: `v1 #${seq}`,
    sentAtMs: 1_700_000_000_000 + seq,
    counter: seq,
    state: 'queued',
    attempts: 0,
    ...over,
  }),
});

describe('outbox records: sealed payloads stored as bytes', () => {
  it('round-trips an entry with and without its sealed payload', () => {
    const plain = entry();
    assert.deepEqual(decodeOutboxRecord(encodeOutboxRecord(plain)), plain);
    const withSeal = entry({ sealed, attempts: 2, reason: 'disk-full' });
    assert.deepEqual(decodeOutboxRecord(encodeOutboxRecord(withSeal)), withSeal);
    const receipt = entry({ content: { kind: 'receipt', msgIds: ['cd'.repeat(16)] } });
    assert.deepEqual(decodeOutboxRecord(encodeOutboxRecord(receipt)), receipt);
  });

  it('keeps a group message sealed once, as raw bytes in a record of its own format', () => {
    const body = new Uint8Array(200).map((_, i) => (i * 7) & 0xff);
    const group = entry({
      conversation: groupConversation('ab'.repeat(16)),
      content: { kind: 'group-text', body: 'hello team' },
      sealedGroup: body,
    });
    const bytes = encodeOutboxRecord(group);
    assert.equal(bytes[0], 2);
    assert.ok(Buffer.from(bytes).includes(Buffer.from(body)));
    assert.deepEqual(decodeOutboxRecord(bytes), group);
    const share = entry({
      content: { kind: 'sender-key', groupId: 'ab'.repeat(16), epoch: 3, share: '4b', to: 'cd' },
    });
    assert.deepEqual(decodeOutboxRecord(encodeOutboxRecord(share)), share);
  });

  it('keeps the ciphertext as raw bytes, with neither hex nor base64 of it in the record', () => {
    const bytes = Buffer.from(encodeOutboxRecord(entry({ sealed })));
    assert.ok(bytes.includes(Buffer.from(sealed.ciphertext)));
    assert.ok(bytes.includes(Buffer.from(sealed.to)));
    const text = bytes.toString('latin1');
    assert.ok(!text.includes(toHex(sealed.ciphertext)));
    assert.ok(!text.includes(Buffer.from(sealed.ciphertext).toString('base64')));
    assert.ok(!text.includes('"sealed"'));
  });

  it('refuses a record of an unknown format or cut short, with E_STORE_CORRUPT', () => {
    const good = encodeOutboxRecord(entry({ sealed }));
    const corrupt = (e: unknown) => isNatterError(e, 'E_STORE_CORRUPT');
    assert.throws(() => decodeOutboxRecord(Uint8Array.of(3, ...good.slice(1))), corrupt);
    const group = encodeOutboxRecord(entry({ sealedGroup: Uint8Array.of(1, 2) }));
    assert.throws(() => decodeOutboxRecord(group.slice(0, group.length - 2)), corrupt);
    assert.throws(() => decodeOutboxRecord(good.slice(0, 3)), corrupt);
    const headerOnly = encodeOutboxRecord(entry());
    assert.throws(() => decodeOutboxRecord(Uint8Array.of(...headerOnly, 1, 2, 3)), corrupt);
  });

  it('writes new entries under the v2 prefix only', async () => {
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    const box = await Outbox.load(store);
    const { ops } = box.enqueueOps({
      msgId: 'ab'.repeat(16),
      conversation: directConversation('bob'),
      content: { kind: 'text', body: 'hi' },
      sentAtMs: 1,
    });
    await store.write(ops);
    await box.update('ab'.repeat(16), { sealed });
    const keys = [...kv.data.keys()];
    assert.deepEqual(
      keys.filter((k) => k.includes('outbox!')),
      [`${PREFIX.outbox2}0000000000000001`],
    );
    const reloaded = await Outbox.load(store);
    assert.deepEqual(reloaded.get('ab'.repeat(16))?.sealed, sealed);
  });
});

describe('outbox records written before issue 9 (v1!outbox!, JSON)', () => {
  async function legacyStore() {
    const kv = new MemoryKv();
    await kv.batch([
      v1Record(1, {
        kind: 'receipt',
        body: undefined,
        receiptFor: ['ee'.repeat(16)],
        attempts: 1,
        reason: 'disk-full',
        sealed: {
          to: toHex(sealed.to),
          nonce: toHex(sealed.nonce),
          ciphertext: Buffer.from(sealed.ciphertext).toString('base64'),
        },
      }),
      v1Record(2, {}),
      v1Record(3, { state: 'held' }),
      { type: 'put', key: `${PREFIX.meta}outseq`, value: '3' },
      { type: 'put', key: `${PREFIX.meta}counter!${toHex(Buffer.from('bob'))}`, value: '3' },
    ]);
    return { kv, store: new PeerStore(kv) };
  }

  it('reads them as today’s entries: conversation, content union, sealed bytes', async () => {
    const { store } = await legacyStore();
    const box = await Outbox.load(store);
    const [receipt, text, held] = box.list();
    assert.equal(receipt?.conversation, '@bob');
    assert.equal(receipt?.peerName, 'Bob');
    assert.deepEqual(receipt?.content, { kind: 'receipt', msgIds: ['ee'.repeat(16)] });
    assert.deepEqual(receipt?.sealed, sealed);
    assert.equal(receipt?.attempts, 1);
    assert.equal(receipt?.reason, 'disk-full');
    assert.deepEqual(text?.content, { kind: 'text', body: 'v1 #2' });
    assert.equal(text?.sealed, undefined);
    assert.equal(held?.state, 'held');
    assert.equal(box.count('queued'), 2);
    assert.equal(box.count('held'), 1);
  });

  it('continues their sequence and counters, and keeps send order across both prefixes', async () => {
    const { kv, store } = await legacyStore();
    const box = await Outbox.load(store);
    const { entry: next, ops } = box.enqueueOps({
      msgId: '44'.repeat(16),
      conversation: directConversation('BOB'),
      content: { kind: 'text', body: 'v2 #4' },
      sentAtMs: 4,
    });
    await store.write(ops);
    assert.equal(next.counter, 4);
    // Entry 2 is written (moved to v2) while 1 and 3 stay where they were.
    await box.update('02'.repeat(16), { attempts: 1 });
    const keys = [...kv.data.keys()].filter((k) => k.includes('outbox!')).sort();
    assert.deepEqual(keys, [
      `${PREFIX.outbox}0000000000000001`,
      `${PREFIX.outbox}0000000000000003`,
      `${PREFIX.outbox2}0000000000000002`,
      `${PREFIX.outbox2}0000000000000004`,
    ]);
    const again = await Outbox.load(store);
    assert.deepEqual(
      again.list().map((e) => e.counter),
      [1, 2, 3, 4],
    );
    await again.remove('01'.repeat(16));
    assert.equal(kv.data.has(`${PREFIX.outbox}0000000000000001`), false);
  });
});
