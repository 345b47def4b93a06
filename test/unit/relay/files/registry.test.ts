import assert from 'node:assert/strict';
import { ChunkLayout } from '../../../../src/relay/files/layout.js';
import type { TransferRecord } from '../../../../src/relay/files/records.js';
import { TransferRegistry } from '../../../../src/relay/files/registry.js';
import { Transfer } from '../../../../src/relay/files/transfer.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
let nextId = 1;

function transfer(uploaderHex: string, size: number, createdAtMs = 0, recipients = [B, C]) {
  const record: TransferRecord = {
    tidHex: (nextId++).toString(16).padStart(32, '0'),
    uploaderHex,
    size,
    chunkBytes: 4096,
    blob: nextId,
    createdAtMs,
    recipients,
  };
  return new Transfer(record, 0);
}

describe('relay file registry', () => {
  const limits = { fileQuotaBytes: 1000, maxFileTransfersPerUploader: 3, fileTtlMs: 100 };

  it('refuses a transfer that would pass the uploader byte quota, per uploader', () => {
    const r = new TransferRegistry(limits);
    r.add(transfer(A, 600));
    assert.equal(r.quotaRefusal(A, 400), null);
    assert.equal(r.quotaRefusal(A, 401)?.code, 'E_FILE_QUOTA');
    assert.equal(r.quotaRefusal(B, 1000), null);
    assert.equal(r.quotaRefusal(B, 1001)?.code, 'E_FILE_QUOTA');
  });

  it('refuses the transfer past maxFileTransfersPerUploader, empty files included', () => {
    const r = new TransferRegistry(limits);
    for (let i = 0; i < 3; i++) r.add(transfer(A, 0));
    assert.equal(r.quotaRefusal(A, 0)?.code, 'E_FILE_QUOTA');
    assert.deepEqual(r.usageOf(A), { bytes: 0, transfers: 3 });
  });

  it('frees the quota when a transfer is removed, once', () => {
    const r = new TransferRegistry(limits);
    const t = transfer(A, 900);
    r.add(t);
    assert.throws(() => r.add(t));
    r.remove(t);
    r.remove(t);
    assert.deepEqual(r.usageOf(A), { bytes: 0, transfers: 0 });
    assert.equal(r.size, 0);
  });

  it('finds transfers past the TTL by the time passed in', () => {
    const r = new TransferRegistry(limits);
    const old = transfer(A, 1, 0);
    const young = transfer(A, 1, 50);
    r.add(old);
    r.add(young);
    assert.deepEqual(r.expired(99), []);
    assert.deepEqual(r.expired(100), [old]);
    assert.deepEqual(r.expired(150), [old, young]);
  });

  it('is done when every recipient has said received or declined, stopping their downloads', () => {
    const t = transfer(A, 1);
    const stopped: string[] = [];
    for (const userHex of [B, C])
      t.watch({ userHex, wake() {}, stop: () => stopped.push(userHex) });
    assert.ok(t.isWaitingFor(B) && t.isWaitingFor(C) && !t.isWaitingFor(A));
    t.setState(B, 'received');
    assert.ok(!t.allDone && !t.isWaitingFor(B));
    assert.deepEqual(stopped, [B]);
    t.setState(C, 'declined');
    assert.ok(t.allDone);
  });

  it('wakes its watchers when have grows, never backwards, and stops them on delete', () => {
    const t = transfer(A, 5 * 4096);
    const seen: string[] = [];
    t.watch({ userHex: B, wake: () => seen.push(`wake ${t.have}`), stop: () => seen.push('stop') });
    t.advance(2);
    t.advance(1);
    t.advance(9);
    const epoch = t.epoch;
    t.markDeleted();
    t.markDeleted();
    assert.deepEqual(seen, ['wake 2', 'wake 5', 'stop']);
    assert.ok(t.epoch > epoch, 'queued chunks of the old epoch are dropped');
  });
});

describe('relay chunk layout', () => {
  it('gives every chunk a full stride but the last, and an empty file one 16-byte chunk', () => {
    const l = new ChunkLayout(10_000, 4096);
    assert.equal(l.count, 3);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => l.chunkLength(i)),
      [4112, 4112, 10_000 - 8192 + 16, -1],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => l.offset(i)),
      [0, 4112, 8224, 8224 + 1824],
    );
    assert.equal(l.totalBytes, 10_000 + 48);
    const empty = new ChunkLayout(0, 4096);
    assert.equal(empty.count, 1);
    assert.equal(empty.chunkLength(0), 16);
    const exact = new ChunkLayout(8192, 4096);
    assert.equal(exact.count, 2);
    assert.equal(exact.chunkLength(1), 4112);
    assert.equal(l.chunkLength(-1), -1);
    assert.equal(l.chunkLength(0.5), -1);
  });
});
