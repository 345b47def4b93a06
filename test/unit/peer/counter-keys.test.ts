import assert from 'node:assert/strict';
import { CounterKeys, isCounterKey } from '../../../src/peer/counter-keys.js';
import { MemoryKv, PeerStore } from '../../../src/peer/store.js';

describe('peer/counter-keys: a counter written never goes down', () => {
  it('names the history, outbox and conversation counters, and nothing else', () => {
    assert.ok(isCounterKey('v1!meta!seq'));
    assert.ok(isCounterKey('v1!meta!outseq'));
    assert.ok(isCounterKey('v1!meta!counter!@bob'));
    assert.ok(!isCounterKey('v1!meta!status'));
    assert.ok(!isCounterKey('v1!meta!seqx'));
  });

  it('raises a lower put to the highest given, and leaves other ops alone', () => {
    const c = new CounterKeys();
    const ops = c.raise([{ type: 'put', key: 'v1!meta!counter!@bob', value: '7' }]);
    assert.equal(ops[0]?.type === 'put' && ops[0].value, '7');
    const late = c.raise([
      { type: 'put', key: 'v1!meta!counter!@bob', value: '5' },
      { type: 'put', key: 'v1!h!x', value: '5' },
      { type: 'del', key: 'v1!meta!counter!@bob' },
    ]);
    assert.deepEqual(late, [
      { type: 'put', key: 'v1!meta!counter!@bob', value: '7' },
      { type: 'put', key: 'v1!h!x', value: '5' },
      { type: 'del', key: 'v1!meta!counter!@bob' },
    ]);
  });

  it("keeps a conversation's counter at its highest on disk when batches come out of order", async () => {
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    await store.write([{ type: 'put', key: 'v1!meta!counter!@bob', value: '6' }]);
    await store.write([{ type: 'put', key: 'v1!meta!counter!@bob', value: '5' }]);
    assert.equal(await store.get('v1!meta!counter!@bob'), '6');
  });
});
