/**
 * TransferBook's progress events (book.ts changed()): throttled, except when a download
 * starts or stops waiting for its sender, which is said at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { newFileKey } from '../../../../src/crypto/file-stream.js';
import { PeerEvents } from '../../../../src/peer/events.js';
import type { TransferInfo } from '../../../../src/peer/files/api.js';
import { TransferBook } from '../../../../src/peer/files/book.js';
import { Download } from '../../../../src/peer/files/downloads.js';
import { type IncomingRecord, storeOffer } from '../../../../src/peer/files/records.js';
import { DEFAULT_FILE_SETTINGS } from '../../../../src/peer/files/settings.js';
import { Upload } from '../../../../src/peer/files/uploads.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';

/** A download whose "waiting for the sender" the test sets. */
class Paced extends Download {
  behind = false;
  done = 0;
  override get senderBehind(): boolean {
    return this.behind;
  }
  override get doneBytes(): number {
    return this.done;
  }
}

function paced(over: Partial<IncomingRecord> = {}, id = randomBytes(16)): Paced {
  const { key, noncePrefix } = newFileKey();
  const record: IncomingRecord = {
    offer: storeOffer({
      transferId: id,
      name: 'big.bin',
      size: 1_000_000,
      sha256: randomBytes(32),
      chunkBytes: 65_536,
      mime: '',
      fileKey: key,
      noncePrefix,
      entries: [],
      several: false,
    }),
    from: 'alice',
    fromUserId: 'aa'.repeat(32),
    conversation: '@alice' as IncomingRecord['conversation'],
    group: null,
    offeredAtMs: 0,
    state: 'accepted',
    dir: '/tmp',
    savedAs: null,
    error: null,
    ...over,
  };
  return new Paced(record, {
    link: { ready: false, send: () => false },
    get: async () => {
      throw new Error('not asked');
    },
    later: () => undefined,
    changed: () => undefined,
  });
}

describe('files: progress events', () => {
  it('says at once, inside the throttle, that a download waits for its sender, and no longer', () => {
    const events = new PeerEvents();
    const clock = new ManualClock(1_000);
    const book = new TransferBook(events, clock, DEFAULT_FILE_SETTINGS, async () => undefined, {
      send: () => false,
    });
    book.setOffline(false);
    const d = paced();
    book.addDownload(d);
    const heard: TransferInfo[] = [];
    events.on('transfer:progress', (t) => heard.push(t));
    book.changed(d);
    book.changed(d); // within the throttle: not said
    assert.equal(heard.length, 1);
    d.behind = true;
    book.changed(d);
    assert.deepEqual(
      heard.map((t) => t.waitingForSender),
      [false, true],
    );
    book.changed(d);
    assert.equal(heard.length, 2, 'said once');
    d.behind = false;
    book.changed(d);
    assert.deepEqual(
      heard.map((t) => t.waitingForSender),
      [false, true, false],
    );
  });

  it('gives no rate and no time left while a download waits for its sender', () => {
    const events = new PeerEvents();
    const clock = new ManualClock(1_000);
    const book = new TransferBook(events, clock, DEFAULT_FILE_SETTINGS, async () => undefined, {
      send: () => false,
    });
    book.setOffline(false);
    const d = paced();
    book.addDownload(d);
    for (let i = 1; i <= 4; i++) {
      d.done = i * 100_000;
      clock.advance(500);
      book.changed(d);
    }
    const moving = book.info(d);
    assert.ok(moving.rateBytesPerSec > 0 && moving.etaMs !== null, 'moving: a rate and an ETA');
    d.behind = true;
    clock.advance(500);
    book.changed(d);
    const waiting = book.info(d);
    assert.equal(waiting.waitingForSender, true);
    assert.equal(waiting.rateBytesPerSec, 0);
    assert.equal(waiting.etaMs, null);
  });

  it('lists transfers and offers oldest first, not in the order of their random ids', () => {
    const book = new TransferBook(
      new PeerEvents(),
      new ManualClock(1_000),
      DEFAULT_FILE_SETTINGS,
      async () => undefined,
      { send: () => false },
    );
    const idOf = (first: number) => Buffer.concat([Buffer.from([first]), randomBytes(15)]);
    const later = paced({ offeredAtMs: 3_000 }, idOf(0x01));
    const first = paced({ offeredAtMs: 1_000 }, idOf(0xff));
    const offered = paced({ offeredAtMs: 2_500, state: 'offered', dir: null }, idOf(0x10));
    const mine = new Upload(
      {
        offer: { ...first.record.offer, transferId: toHex(idOf(0x05)) },
        peer: '@bob',
        conversation: '@bob' as IncomingRecord['conversation'],
        recipients: { to: ['bb'.repeat(32)] },
        sources: [],
        state: 'done',
        ackedChunks: 16,
        createdAtMs: 2_000,
        error: null,
      },
      {
        link: { ready: false, writable: false, send: () => false, sendFramed: () => false },
        put: async () => {
          throw new Error('not asked');
        },
        changed: () => undefined,
        later: () => undefined,
        offerAccepted: async () => undefined,
      },
    );
    for (const t of [later, offered, mine]) {
      if (t instanceof Upload) book.addUpload(t);
      else book.addDownload(t);
    }
    book.addDownload(first);
    const idHex = (d: Paced | Upload) => d.record.offer.transferId;
    assert.deepEqual(
      book.list().map((t) => t.id),
      [first, mine, later].map(idHex),
    );
    assert.deepEqual(
      book.offers().map((o) => o.id),
      [first, offered, later].map(idHex),
    );
  });
});
