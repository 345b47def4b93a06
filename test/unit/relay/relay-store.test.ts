/**
 * The fail-stop store (docs/decisions.md, "Store failure is fail-stop") on the
 * in-memory store, whose writes can be made to fail: after a failed write no
 * write is acknowledged until the store has been reopened and its owners
 * reloaded; a write that finished meanwhile is reported as failed too; free
 * space is read before every batch that adds bytes. The real-disk version is
 * test/integration/relay/disk-full.test.ts.
 */
import assert from 'node:assert/strict';
import { MemoryKv, REFUSED_DISK_FULL, RelayStore } from '../../../src/relay/store/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

const put = (key: string) => [{ type: 'put' as const, key, value: new Uint8Array([1]) }];
const tick = () => new Promise((r) => setImmediate(r));

function setup(free: { bytes: number | null } = { bytes: null }) {
  const kv = new MemoryKv();
  const clock = new ManualClock();
  const store = new RelayStore(kv, {
    dataDir: '/nonexistent',
    minFreeDiskBytes: 100,
    clock,
    log: silentLogger,
    freeBytes: async () => free.bytes,
  });
  return { kv, clock, store };
}

describe('relay store: fail-stop acknowledgements', () => {
  it('refuses every write after a failure until it has reopened and reloaded', async () => {
    const { kv, store } = setup();
    const reloads: string[] = [];
    let release!: () => void;
    store.onReopen(async () => {
      reloads.push('reload');
      await new Promise<void>((r) => {
        release = r;
      });
    });
    kv.failWrites = 1;
    assert.equal((await store.write(put('a'), { sync: true, bytes: 1 }))?.code, 'internal');
    assert.equal(store.isOpen, false);
    // While recovering: refused at once, nothing written.
    assert.equal((await store.write(put('b'), { sync: true, bytes: 1 }))?.code, 'internal');
    while (reloads.length === 0) await tick();
    assert.equal(store.isOpen, false, 'not open before the owners reloaded');
    release();
    await store.whenOpen();
    assert.equal(await store.write(put('c'), { sync: true, bytes: 1 }), null);
    assert.equal(await kv.get('b'), undefined);
    assert.equal(store.counters.recoveries, 1);
  });

  it('reports a write that completed while another failed as failed (it may follow the torn record)', async () => {
    const { kv, store } = setup();
    const realWrite = kv.write.bind(kv);
    let finishFirst!: () => void;
    let calls = 0;
    kv.write = async (ops, options) => {
      calls++;
      if (calls === 1) {
        await new Promise<void>((r) => {
          finishFirst = r;
        });
        return realWrite(ops, options);
      }
      throw new Error('IO error: No space left on device');
    };
    const slow = store.write(put('slow'), { sync: true, bytes: 1 });
    const failing = store.write(put('failing'), { sync: true, bytes: 1 });
    assert.equal((await failing)?.code, 'internal');
    finishFirst();
    assert.notEqual(
      await slow,
      null,
      'the write that finished after the failure is not acknowledged',
    );
    kv.write = realWrite;
    await store.whenOpen();
    await store.close();
  });

  it('reads free space before each batch that adds bytes, and lets deletes through when full', async () => {
    const free = { bytes: 1_000 as number | null };
    const { store, clock } = setup(free);
    assert.equal(await store.write(put('a'), { sync: true, bytes: 500 }), null);
    assert.deepEqual(await store.write(put('b'), { sync: true, bytes: 950 }), REFUSED_DISK_FULL);
    assert.deepEqual(store.refusal(1), REFUSED_DISK_FULL, 'refused at once while full');
    assert.equal(await store.write([{ type: 'del', key: 'a' }], { sync: false, bytes: 0 }), null);
    free.bytes = 10_000;
    clock.advance(1_000);
    await tick();
    assert.equal(store.refusal(1), null, 'the recheck while full saw the space');
    await store.close();
  });
});
