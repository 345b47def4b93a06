import assert from 'node:assert/strict';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
} from '../../../../src/peer/conversations/envelope.js';
import {
  MAX_SEEN_PRUNE_ENTRIES,
  SEEN_PRUNE_INTERVAL_MS,
  SeenSet,
} from '../../../../src/peer/messaging/seen.js';
import { MemoryKv, PeerStore, PREFIX } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';

const T = 1_700_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const alice = new Uint8Array(32).fill(0xa1);
const mallory = new Uint8Array(32).fill(0xee);
const id = (n: number) => {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(12, n);
  return bytes;
};

function rig() {
  const kv = new MemoryKv();
  const store = new PeerStore(kv);
  return { kv, store, seen: new SeenSet(store) };
}

/** How many messages the set remembers (one v2 entry each, plus legacy v1 entries). */
function remembered(kv: MemoryKv): number {
  return [...kv.data.keys()].filter((k) => k.startsWith(PREFIX.seen2) || k.startsWith(PREFIX.seen))
    .length;
}

describe('seen-set: accepted messages by (sender, message id)', () => {
  it('knows a message by its sender and id, and no other sender’s message with that id', async () => {
    const { store, seen } = rig();
    await store.write(seen.addOps(alice, id(1), T));
    seen.settled();
    assert.equal(await seen.has(alice, id(1)), true);
    assert.equal(
      await seen.has(mallory, id(1)),
      false,
      'a pre-empting sender has its own namespace',
    );
    assert.equal(await seen.has(alice, id(2)), false);
  });

  it('knows what the batch being handled accepted before it is written, and forgets it if the write fails', async () => {
    const { seen } = rig();
    seen.addOps(alice, id(1), T);
    assert.equal(await seen.has(alice, id(1)), true);
    seen.settled();
    assert.equal(await seen.has(alice, id(1)), false, 'never written: a redelivery is taken');
  });

  it('still counts entries written before ids were namespaced, for any sender', async () => {
    const { kv, seen } = rig();
    await kv.batch([{ type: 'put', key: PREFIX.seen + toHex(id(9)), value: String(T) }]);
    assert.equal(await seen.has(alice, id(9)), true);
    assert.equal(await seen.has(mallory, id(9)), true);
  });

  it('forgets a message once its send time is older than the window, and not before', async () => {
    const { kv, store, seen } = rig();
    await store.write([...seen.addOps(alice, id(1), T), ...seen.addOps(alice, id(2), T + DAY_MS)]);
    seen.settled();
    await store.write(await seen.pruneOps(T + MAX_MESSAGE_AGE_MS));
    assert.equal(
      await seen.has(alice, id(1)),
      true,
      'exactly at the limit a copy still passes the time check, so the entry stays',
    );
    await store.write(await seen.pruneOps(T + MAX_MESSAGE_AGE_MS + SEEN_PRUNE_INTERVAL_MS + 1));
    assert.equal(await seen.has(alice, id(1)), false);
    assert.equal(await seen.has(alice, id(2)), true);
    assert.equal(remembered(kv), 1);
    assert.equal(
      [...kv.data.keys()].filter((k) => k.startsWith(PREFIX.seenByTime)).length,
      1,
      'the time index goes with the entry',
    );
  });

  it('prunes at most once per interval', async () => {
    const { store, seen } = rig();
    await store.write(seen.addOps(alice, id(1), T));
    seen.settled();
    const first = T + MAX_MESSAGE_AGE_MS - 1;
    assert.deepEqual(await seen.pruneOps(first), [], 'not old enough yet');
    assert.deepEqual(
      await seen.pruneOps(first + SEEN_PRUNE_INTERVAL_MS - 1),
      [],
      'not due: the last prune was less than an interval ago',
    );
    assert.notDeepEqual(await seen.pruneOps(first + SEEN_PRUNE_INTERVAL_MS), []);
  });

  it('prunes legacy entries by their receive time, with the future skew as margin', async () => {
    const { kv, store, seen } = rig();
    await kv.batch([
      { type: 'put', key: PREFIX.seen + toHex(id(1)), value: String(T) },
      { type: 'put', key: PREFIX.seen + toHex(id(2)), value: String(T + 2 * DAY_MS) },
      { type: 'put', key: PREFIX.seen + toHex(id(3)), value: 'not a time' },
    ]);
    await store.write(await seen.pruneOps(T + MAX_MESSAGE_AGE_MS + MAX_FUTURE_SKEW_MS + 1));
    assert.equal(await seen.has(alice, id(1)), false);
    assert.equal(await seen.has(alice, id(2)), true);
    assert.equal(await seen.has(alice, id(3)), true, 'an unreadable time is kept');
  });

  it(`stays bounded: a steady stream keeps only the window, ${MAX_SEEN_PRUNE_ENTRIES} deletions per prune at most`, async () => {
    const { kv, store, seen } = rig();
    const perDay = 100;
    const days = 60;
    let n = 0;
    let largestPrune = 0;
    for (let day = 0; day < days; day++) {
      const now = T + day * DAY_MS;
      const ops = await seen.pruneOps(now);
      largestPrune = Math.max(largestPrune, ops.length / 2);
      for (let i = 0; i < perDay; i++) ops.push(...seen.addOps(alice, id(n++), now));
      await store.write(ops);
      seen.settled();
    }
    const windowDays = Math.ceil(MAX_MESSAGE_AGE_MS / DAY_MS);
    assert.ok(remembered(kv) <= (windowDays + 1) * perDay, `${remembered(kv)} remembered`);
    assert.ok(remembered(kv) < days * perDay, 'older ones are gone');
    assert.ok(largestPrune <= MAX_SEEN_PRUNE_ENTRIES);
  });

  it(`deletes at most ${MAX_SEEN_PRUNE_ENTRIES} entries per prune, and prunes again at once when more are left`, async () => {
    const { kv, store, seen } = rig();
    const many = MAX_SEEN_PRUNE_ENTRIES + 10;
    const ops = [];
    for (let i = 0; i < many; i++) ops.push(...seen.addOps(alice, id(i), T));
    await store.write(ops);
    seen.settled();
    const now = T + MAX_MESSAGE_AGE_MS + 1;
    const first = await seen.pruneOps(now);
    assert.equal(first.length, 2 * MAX_SEEN_PRUNE_ENTRIES);
    await store.write(first);
    const second = await seen.pruneOps(now);
    assert.equal(second.length, 2 * 10, 'due again at once: the first prune was full');
    await store.write(second);
    assert.equal(remembered(kv), 0);
  });
});
