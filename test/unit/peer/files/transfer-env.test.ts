/**
 * What the service gives each transfer machine: retries on the clock that closing cancels,
 * requests passed through, and a changed record stored (when asked) and the book told.
 */
import assert from 'node:assert/strict';
import type { Download } from '../../../../src/peer/files/downloads.js';
import { INCOMING_PREFIX, OUTGOING_PREFIX } from '../../../../src/peer/files/records.js';
import { TransferEnv } from '../../../../src/peer/files/transfer-env.js';
import type { Upload } from '../../../../src/peer/files/uploads.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';
import { ManualClock } from '../../../../src/util/clock.js';

function env() {
  const clock = new ManualClock();
  const kv = new MemoryKv();
  const store = new PeerStore(kv);
  const told: unknown[] = [];
  const asked: string[] = [];
  const e = new TransferEnv({
    store,
    link: { ready: true, writable: true, send: () => true, sendFramed: () => true },
    requests: {
      request: (async (kind: string) => {
        asked.push(kind);
        return { code: '' };
      }) as never,
    },
    clock,
    book: { changed: (t) => told.push(t) },
    poster: { leftOut: () => ({}), post: async () => undefined },
  });
  return { e, clock, kv, store, told, asked };
}

describe('files: the environment of the transfer machines', () => {
  it('runs a retry when due, and none once closed: pending ones are cancelled', () => {
    const { e, clock } = env();
    const ran: string[] = [];
    e.uploadDeps().later(() => ran.push('up'), 100);
    e.downloadDeps().later(() => ran.push('down'), 300);
    clock.advance(100);
    assert.deepEqual(ran, ['up']);
    e.close();
    e.close();
    e.downloadDeps().later(() => ran.push('after'), 1);
    clock.advance(1000);
    assert.deepEqual(ran, ['up']);
  });

  it('passes file-put and file-get through to the requests', async () => {
    const { e, asked } = env();
    await e.uploadDeps().put({} as never);
    await e.downloadDeps().get({} as never);
    assert.deepEqual(asked, ['file-put', 'file-get']);
  });

  it('stores a changed record only when asked, and tells the book every time', async () => {
    const { e, kv, store, told } = env();
    const up = { record: { offer: { transferId: 'aa' } } } as Upload;
    const down = { record: { offer: { transferId: 'bb' } } } as Download;
    e.uploadDeps().changed(up, false);
    e.downloadDeps().changed(down, false);
    await store.close();
    assert.equal(kv.data.size, 0);
    assert.deepEqual(told, [up, down]);

    const second = env();
    second.e.uploadDeps().changed(up, true);
    second.e.downloadDeps().changed(down, true);
    await second.store.close();
    assert.deepEqual([...second.kv.data.keys()].sort(), [
      `${INCOMING_PREFIX}bb`,
      `${OUTGOING_PREFIX}aa`,
    ]);
    assert.deepEqual(second.told, [up, down]);
  });
});
