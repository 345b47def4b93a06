/**
 * Senders' cancels of offers (files/cancels.ts): only the key an offer came from may cancel
 * it; a cancel that comes before its offer is kept, durably, and applied when the offer
 * comes; one kept past MAX_MESSAGE_AGE_MS is dropped at load.
 */
import assert from 'node:assert/strict';
import { MAX_MESSAGE_AGE_MS } from '../../../../src/peer/conversations/envelope.js';
import {
  EARLY_CANCEL_PREFIX,
  FileCancels,
  loadEarlyCancels,
} from '../../../../src/peer/files/cancels.js';
import type { Download } from '../../../../src/peer/files/downloads.js';
import type { IncomingRecord } from '../../../../src/peer/files/records.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';
import { ManualClock } from '../../../../src/util/clock.js';

const ID = 'ab'.repeat(16);
const ALICE = 'a0'.repeat(32);
const CAROL = 'c0'.repeat(32);

const offer = (state: IncomingRecord['state'] = 'offered') =>
  ({
    offer: { transferId: ID, name: 'report.pdf' },
    from: 'alice',
    fromUserId: ALICE,
    state,
    error: null,
  }) as unknown as IncomingRecord;

async function world(downloads: IncomingRecord[] = []) {
  const store = new PeerStore(new MemoryKv());
  const clock = new ManualClock();
  const changed: string[] = [];
  const loaded = await loadEarlyCancels(store, clock.now());
  const book = {
    download: (id: string) => {
      const record = downloads.find((r) => r.offer.transferId === id);
      return record === undefined ? undefined : ({ record } as Download);
    },
    changed: (dl: Download) => void changed.push(dl.record.state),
  };
  const cancels = new FileCancels({ store, clock, book }, loaded.early);
  return { store, clock, changed, cancels };
}

describe('files: senders cancel their offers', () => {
  it('turns an offer its sender cancelled failed with E_FILE_CANCELLED, stored and announced', async () => {
    const r = offer();
    const w = await world([r]);
    await w.cancels.received([{ from: ALICE, transferId: ID }]);
    assert.equal(r.state, 'failed');
    assert.equal(r.error?.code, 'E_FILE_CANCELLED');
    assert.deepEqual(w.changed, ['failed']);
    const stored = await w.store.getJson<IncomingRecord>(`v1!fin!${ID}`);
    assert.equal(stored?.error?.code, 'E_FILE_CANCELLED');
  });

  it('takes no cancel from anyone but the key the offer came from', async () => {
    const r = offer();
    const w = await world([r]);
    await w.cancels.received([{ from: CAROL, transferId: ID }]);
    assert.equal(r.state, 'offered');
    assert.deepEqual(w.changed, []);
  });

  it('leaves a file received or declined as it is', async () => {
    for (const state of ['received', 'declined'] as const) {
      const r = offer(state);
      const w = await world([r]);
      await w.cancels.received([{ from: ALICE, transferId: ID }]);
      assert.equal(r.state, state);
      assert.equal(r.error, null);
    }
  });

  it('keeps a cancel that came before its offer, durably, and applies it when the offer comes', async () => {
    const w = await world();
    await w.cancels.received([{ from: ALICE, transferId: ID }]);
    const again = await loadEarlyCancels(w.store, w.clock.now());
    assert.deepEqual([...again.early.keys()], [ID], 'kept across a restart');
    const later = new FileCancels(
      { store: w.store, clock: w.clock, book: { download: () => undefined, changed: () => {} } },
      again.early,
    );
    const r = offer();
    const ops = later.intakeOps(r);
    assert.equal(r.state, 'failed');
    assert.equal(r.error?.code, 'E_FILE_CANCELLED');
    assert.deepEqual(ops, [{ type: 'del', key: EARLY_CANCEL_PREFIX + ID }]);
  });

  it('applies a kept cancel only to the offer of the one who sent it', async () => {
    const w = await world();
    await w.cancels.received([{ from: CAROL, transferId: ID }]);
    const r = offer();
    assert.deepEqual(w.cancels.intakeOps(r), []);
    assert.equal(r.state, 'offered');
  });

  it('drops a kept cancel past MAX_MESSAGE_AGE_MS at load: no offer that old is taken', async () => {
    const w = await world();
    await w.cancels.received([{ from: ALICE, transferId: ID }]);
    const { early, stale } = await loadEarlyCancels(
      w.store,
      w.clock.now() + MAX_MESSAGE_AGE_MS + 1,
    );
    assert.equal(early.size, 0);
    assert.deepEqual(stale, [{ type: 'del', key: EARLY_CANCEL_PREFIX + ID }]);
  });
});
