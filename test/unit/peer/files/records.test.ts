import assert from 'node:assert/strict';
import { newFileKey } from '../../../../src/crypto/file-stream.js';
import { randomBytes } from '../../../../src/crypto/random.js';
import {
  decide,
  intakeOffer,
  offerInfo,
  offerLine,
  offerOrderTime,
} from '../../../../src/peer/files/offers.js';
import {
  INCOMING_PREFIX,
  incomingOps,
  loadOffer,
  loadRecords,
  OUTGOING_PREFIX,
  type OutgoingRecord,
  outgoingOps,
  storeOffer,
} from '../../../../src/peer/files/records.js';
import {
  DEFAULT_FILE_SETTINGS,
  downloadDirOf,
  mergeSettings,
} from '../../../../src/peer/files/settings.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';
import type { FileOffer } from '../../../../src/wire/types.js';

function offer(over: Partial<FileOffer> = {}): FileOffer {
  const { key, noncePrefix } = newFileKey();
  return {
    transferId: randomBytes(16),
    name: 'report.pdf',
    size: 12345,
    sha256: randomBytes(32),
    chunkBytes: 4096,
    mime: 'application/pdf',
    fileKey: key,
    noncePrefix,
    entries: [],
    several: false,
    ...over,
  };
}

const entriesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ path: `photos/${i}.jpg`, size: 0 }));

const meta = {
  from: 'alice',
  fromUserId: randomBytes(32),
  conversation: '@alice',
  group: null,
  nowMs: 5,
} as const;

describe('files: records, offers and settings', () => {
  it('keeps an offer byte for byte through its stored form', () => {
    const o = offer({ entries: [{ path: 'a/b.txt', size: 12345 }] });
    assert.deepEqual(loadOffer(storeOffer(o)), o);
  });

  it('stores outgoing and incoming records under versioned prefixes and reads them back', async () => {
    const store = new PeerStore(new MemoryKv());
    const o = offer();
    const out: OutgoingRecord = {
      offer: storeOffer(o),
      peer: '@bob',
      conversation: '@bob' as OutgoingRecord['conversation'],
      recipients: { to: ['ab'.repeat(32)] },
      sources: [{ path: '/tmp/x', size: 12345, mtimeMs: 1 }],
      state: 'running',
      ackedChunks: 2,
      createdAtMs: 3,
      error: null,
    };
    const inc = intakeOffer(offer(), { ...meta, conversation: '@alice' as never });
    await store.write([...outgoingOps(out), ...incomingOps(inc)]);
    const kv = store.kv as MemoryKv;
    assert.ok(kv.data.has(OUTGOING_PREFIX + out.offer.transferId));
    assert.ok(kv.data.has(INCOMING_PREFIX + inc.offer.transferId));
    assert.deepEqual(await loadRecords(store), { outgoing: [out], incoming: [inc] });
  });

  it("orders an offer by its sender's time, never later than it arrived; one from before by its arrival", () => {
    const sent = intakeOffer(offer(), { ...meta, conversation: '@alice' as never, sentAtMs: 2 });
    assert.equal(sent.sentAtMs, 2, 'kept in the record');
    assert.equal(offerOrderTime(sent), 2);
    assert.equal(offerInfo(sent).sentAtMs, 2);
    // A sender's clock ahead of ours cannot push its offer below later ones.
    const ahead = intakeOffer(offer(), {
      ...meta,
      conversation: '@alice' as never,
      sentAtMs: 9e12,
    });
    assert.equal(offerOrderTime(ahead), ahead.offeredAtMs);
    const before = intakeOffer(offer(), { ...meta, conversation: '@alice' as never });
    assert.equal(before.sentAtMs, undefined);
    assert.equal(offerOrderTime(before), before.offeredAtMs);
  });

  it('sanitises an offer: a hostile name becomes one safe component, the sender too', () => {
    const r = intakeOffer(offer({ name: '../../etc/\u202Epasswd' }), {
      ...meta,
      from: 'al\u202Eice',
      conversation: '@alice' as never,
    });
    assert.equal(r.state, 'offered');
    assert.ok(!r.offer.name.includes('/') && !r.offer.name.startsWith('.'));
    assert.ok(!r.offer.name.includes('\u202E') && !r.from.includes('\u202E'));
  });

  it('decides unasked: over the limit declined, from a chosen sender accepted, else asked', () => {
    const settings = mergeSettings(DEFAULT_FILE_SETTINGS, {
      autoAcceptFrom: ['Alice'],
      maxIncomingBytes: 20_000,
    });
    const small = intakeOffer(offer(), { ...meta, conversation: '@alice' as never });
    assert.equal(decide(small, settings), 'accept');
    const big = intakeOffer(offer({ size: 30_000 }), { ...meta, conversation: '@alice' as never });
    assert.equal(decide(big, settings), 'decline');
    const other = intakeOffer(offer(), { ...meta, from: 'mallory', conversation: '@m' as never });
    assert.equal(decide(other, settings), 'ask');
  });

  it('picks the download folder: the setting, else $XDG_DOWNLOAD_DIR/natter, else ~/Downloads/natter', () => {
    assert.equal(downloadDirOf({ ...DEFAULT_FILE_SETTINGS, downloadDir: '/d' }), '/d');
    assert.equal(
      downloadDirOf(DEFAULT_FILE_SETTINGS, { XDG_DOWNLOAD_DIR: '/x' }, '/h'),
      '/x/natter',
    );
    assert.equal(downloadDirOf(DEFAULT_FILE_SETTINGS, {}, '/h'), '/h/Downloads/natter');
    assert.throws(() => mergeSettings(DEFAULT_FILE_SETTINGS, { downloadDir: 'relative' }));
  });

  it('writes the history line for an offer', () => {
    assert.equal(
      offerLine({ name: 'report.pdf', size: 2.1 * 1024 * 1024, entries: [] }),
      'sent a file: report.pdf (2.1 MiB)',
    );
    assert.equal(
      offerLine({ name: 'photos', size: 2048, entries: entriesOf(3) }),
      'sent a file: photos/ (3 files, 2.0 KiB)',
    );
  });
});
