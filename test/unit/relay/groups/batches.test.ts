/**
 * The group streams' write batches (src/relay/groups/batches.ts) on the
 * in-memory store: one store write per turn, synced only for items and log
 * entries, carrying the high-water mark of each group that issued items.
 */
import assert from 'node:assert/strict';
import { GroupBatches } from '../../../../src/relay/groups/batches.js';
import { cursorKey, decodeU64, highWaterKey, itemKey } from '../../../../src/relay/groups/keys.js';
import { GroupLedger } from '../../../../src/relay/groups/ledger.js';
import { Ledgers } from '../../../../src/relay/groups/ledgers.js';
import {
  type KvOp,
  MemoryKv,
  REFUSED_DISK_FULL,
  RelayStore,
} from '../../../../src/relay/store/index.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';

/** A MemoryKv that records every write it is given, with its sync flag. */
class RecordingKv extends MemoryKv {
  readonly writes: { keys: string[]; sync: boolean }[] = [];

  override async write(ops: readonly KvOp[], options: { sync: boolean }): Promise<void> {
    this.writes.push({ keys: ops.map((op) => op.key), sync: options.sync });
    return super.write(ops, options);
  }
}

function setup(freeBytes: number | null = null) {
  const kv = new RecordingKv();
  const store = new RelayStore(kv, {
    dataDir: '/nonexistent',
    minFreeDiskBytes: 100,
    clock: new ManualClock(),
    log: silentLogger,
    freeBytes: async () => freeBytes,
  });
  const ledgers = new Ledgers();
  return { kv, ledgers, batches: new GroupBatches(store, ledgers) };
}

const value = Uint8Array.of(1, 2, 3);

describe('relay group write batches', () => {
  it("writes a turn's submissions as one batch, and every submitter gets its result", async () => {
    const { kv, batches } = setup();
    const results = await Promise.all([
      batches.submit({ type: 'put', key: cursorKey('aa', 'bb'), value }),
      batches.submit([{ type: 'del', key: itemKey('aa', 1) }]),
    ]);
    assert.deepEqual(results, [null, null]);
    assert.deepEqual(kv.writes, [{ keys: [cursorKey('aa', 'bb'), itemKey('aa', 1)], sync: false }]);
  });

  it('syncs a batch only when it holds a durable put (an item or a log entry)', async () => {
    const { kv, batches } = setup();
    await batches.submit({ type: 'put', key: cursorKey('aa', 'bb'), value });
    await batches.submit({ type: 'put', key: itemKey('aa', 1), value, durable: true });
    assert.deepEqual(
      kv.writes.map((w) => w.sync),
      [false, true],
    );
  });

  it("adds the high-water mark of each group that issued items, once, at its ledger's last gseq", async () => {
    const { kv, ledgers, batches } = setup();
    const ledger = new GroupLedger();
    ledger.lastIssued = 7;
    ledgers.set('aa', ledger);
    batches.issued('aa');
    batches.issued('aa');
    // A group with no ledger (deleted meanwhile) has no mark to write.
    batches.issued('cc');
    await batches.submit({ type: 'put', key: itemKey('aa', 7), value, durable: true });
    await batches.submit({ type: 'del', key: itemKey('aa', 7) });
    assert.deepEqual(kv.writes, [
      { keys: [itemKey('aa', 7), highWaterKey('aa')], sync: true },
      { keys: [itemKey('aa', 7)], sync: false },
    ]);
    const mark = (await kv.get(highWaterKey('aa')))!;
    assert.equal(decodeU64(mark), 7);
  });

  it("hands every submitter of a refused batch the store's refusal, and drain waits for it", async () => {
    const { kv, batches } = setup(0);
    const refusals = [
      batches.submit({ type: 'put', key: itemKey('aa', 1), value, durable: true }),
      batches.submit({ type: 'put', key: cursorKey('aa', 'bb'), value }),
    ];
    await batches.drain();
    assert.deepEqual(await Promise.all(refusals), [REFUSED_DISK_FULL, REFUSED_DISK_FULL]);
    assert.deepEqual(kv.writes, []);
  });
});
