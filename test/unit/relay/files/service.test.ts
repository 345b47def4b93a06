import assert from 'node:assert/strict';
import { appendFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { BLOB_IDLE_MS, blobName } from '../../../../src/relay/files/blob-store.js';
import type { FileCodeValue } from '../../../../src/relay/files/codes.js';
import { RelayFiles } from '../../../../src/relay/files/service.js';
import type { UploadOwner } from '../../../../src/relay/files/uploads.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../../src/relay/limits.js';
import { MemoryKv, RelayStore } from '../../../../src/relay/store/index.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { type LogFields, type Logger, silentLogger } from '../../../../src/util/logger.js';
import type { FileRecipients } from '../../../../src/wire/types.js';
import { chunkFrame, makeFile, putFrame, type TestFile } from '../../../helpers/file-frames.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const CHUNK = 4096;
const alice = toHex(generateIdentity().signPk);
const bob = toHex(generateIdentity().signPk);
const carol = toHex(generateIdentity().signPk);
const to = (...hexes: string[]): FileRecipients => ({
  to: hexes.map((h) => Buffer.from(h, 'hex')),
});

class Owner implements UploadOwner {
  acks: { through: number; code: string }[] = [];
  held = 0;
  acked(_id: Uint8Array, through: number, code: FileCodeValue | ''): void {
    this.acks.push({ through, code });
  }
  released(bytes: number): void {
    this.held -= bytes;
  }
}

describe('relay file service (memory store, real temp blobs, manual clock)', () => {
  let dir: string;
  let kv: MemoryKv;
  let clock: ManualClock;
  let free: number | null;
  let freeReads = 0;
  let files: RelayFiles;
  const opened: RelayFiles[] = [];

  async function open(limits: Partial<RelayLimits> = {}, log: Logger = silentLogger) {
    const l = { ...DEFAULT_RELAY_LIMITS, minFreeDiskBytes: 1000, ...limits };
    const store = new RelayStore(kv, {
      dataDir: dir,
      minFreeDiskBytes: l.minFreeDiskBytes,
      clock,
      log,
      freeBytes: async () => {
        freeReads++;
        return free;
      },
    });
    const f = new RelayFiles({
      store,
      dataDir: dir,
      limits: l,
      clock,
      log,
      isRegistered: (hex) => [alice, bob, carol].includes(hex),
      groupMembers: () => undefined,
    });
    await f.open();
    opened.push(f);
    return f;
  }

  async function put(file: TestFile, recipients = to(bob)) {
    const r = await files.put(alice, putFrame(file, recipients));
    assert.equal(r.code, '', `refused: ${r.code}`);
    if (r.code !== '') throw new Error('unreachable');
    return r;
  }

  /** Writes chunks [from, to) under `epoch`, and waits for the writer. */
  async function write(file: TestFile, epoch: number, owner: Owner, from: number, until: number) {
    const t = files.transfer(toHex(file.transferId))!;
    for (let i = from; i < until; i++) {
      const data = chunkFrame(file, i).data;
      owner.held += data.byteLength;
      files.writer(t).submit({ index: i, data, epoch, owner });
    }
    await files.writer(t).drain();
    return t;
  }

  const blobs = () => readdir(join(dir, 'blobs'));

  beforeEach(async () => {
    dir = await makeTempDir('natter-files-');
    kv = new MemoryKv();
    clock = new ManualClock();
    free = null;
    files = await open();
  });

  afterEach(async () => {
    for (const f of opened.splice(0)) await f.close();
  });

  after(removeTempDirs);

  it('acks a batch only once it is in the blob and `have` is stored, and releases the bytes', async () => {
    const file = makeFile(5 * CHUNK + 1, CHUNK);
    const { epoch } = await put(file);
    const owner = new Owner();
    const t = await write(file, epoch, owner, 0, 6);
    assert.equal(t.have, 6);
    assert.ok(t.complete);
    assert.deepEqual(owner.acks.at(-1), { through: 6, code: '' });
    assert.equal(owner.held, 0);
    assert.equal(
      (await stat(join(dir, 'blobs', blobName(t.record.blob)))).size,
      t.layout.totalBytes,
    );
  });

  it('acks E_FILE_STORE with the durable count when the store refuses, and drops what was queued behind', async () => {
    const file = makeFile(6 * CHUNK, CHUNK);
    const { epoch } = await put(file);
    const owner = new Owner();
    await write(file, epoch, owner, 0, 2);
    kv.failWrites = 1;
    const t = await write(file, epoch, owner, 2, 4);
    assert.deepEqual(owner.acks.at(-1), { through: 2, code: 'E_FILE_STORE' });
    // Chunks still in flight under the old epoch are dropped unwritten.
    await write(file, epoch, owner, 4, 6);
    assert.equal(t.have, 2);
    assert.equal(owner.held, 0);
    // The client resumes with a FilePut: a new epoch from the durable count.
    const again = await files.put(alice, putFrame(file, to(bob)));
    assert.ok(again.code === '' && again.have === 2);
  });

  it('acks E_FILE_DISK_FULL when the chunk would pass the free-space watermark', async () => {
    const file = makeFile(3 * CHUNK, CHUNK);
    const { epoch } = await put(file);
    free = 1000 + CHUNK;
    const owner = new Owner();
    const t = await write(file, epoch, owner, 0, 2);
    assert.deepEqual(owner.acks, [{ through: 0, code: 'E_FILE_DISK_FULL' }]);
    assert.equal(t.have, 0);
  });

  it('deletes the blob and every record once all recipients are done, and frees the quota', async () => {
    const file = makeFile(2 * CHUNK, CHUNK);
    const { epoch } = await put(file, to(bob, carol));
    await write(file, epoch, new Owner(), 0, 2);
    const tid = toHex(file.transferId);
    await files.done(bob, tid, 'received');
    await files.done(bob, tid, 'received');
    assert.ok(files.transfer(tid));
    await files.done(carol, tid, 'declined');
    assert.equal(files.transfer(tid), undefined);
    assert.deepEqual(await blobs(), []);
    assert.deepEqual(await kv.range({ gte: 'f1!t', lt: 'f1!~', limit: 100 }), []);
    assert.deepEqual(files.registry.usageOf(alice), { bytes: 0, transfers: 0 });
  });

  it('keeps a blob file open between batches, and closes it when the blob is deleted or idle for BLOB_IDLE_MS', async () => {
    const a = makeFile(4 * CHUNK, CHUNK);
    const b = makeFile(2 * CHUNK, CHUNK);
    const owner = new Owner();
    await write(a, (await put(a)).epoch, owner, 0, 2);
    await write(a, files.transfer(toHex(a.transferId))!.epoch, owner, 2, 4);
    await write(b, (await put(b)).epoch, owner, 0, 2);
    assert.equal(files.blobs.openFiles, 2, 'one open file per transfer, not per batch');
    await files.done(bob, toHex(b.transferId), 'received');
    assert.equal(files.blobs.openFiles, 1, 'closed with its blob');
    clock.advance(BLOB_IDLE_MS);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(files.blobs.openFiles, 0, 'closed once idle');
    // It opens again when wanted.
    assert.equal(
      (await files.blobs.read(files.transfer(toHex(a.transferId))!.record.blob, 0, 4)).length,
      4,
    );
  });

  it('reads free disk at put, not for every batch or `have` commit', async () => {
    free = 10 ** 12;
    const file = makeFile(8 * CHUNK, CHUNK);
    const { epoch } = await put(file);
    const afterPut = freeReads;
    const owner = new Owner();
    for (let i = 0; i < 8; i++) await write(file, epoch, owner, i, i + 1);
    assert.deepEqual(owner.acks.at(-1), { through: 8, code: '' });
    assert.equal(freeReads, afterPut, 'eight batches, no free-space reading');
  });

  it('deletes transfers past the TTL on the sweep timer of the injected clock', async () => {
    await files.close();
    files = await open({ fileTtlMs: 1000, fileSweepIntervalMs: 300 });
    const old = makeFile(CHUNK, CHUNK);
    await write(old, (await put(old)).epoch, new Owner(), 0, 1);
    clock.advance(500);
    const young = makeFile(CHUNK, CHUNK);
    await put(young);
    clock.advance(400);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(files.transfer(toHex(old.transferId)), 'not yet expired at 900 ms');
    clock.advance(300);
    for (let i = 0; i < 300 && files.registry.size > 1; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(files.transfer(toHex(old.transferId)), undefined);
    assert.ok(files.transfer(toHex(young.transferId)));
    assert.equal((await blobs()).length, 0, 'the young one has no chunk yet');
  });

  it('reloads after a restart: durable have, recipients done, quota, torn bytes cut and orphans removed', async () => {
    const file = makeFile(4 * CHUNK, CHUNK);
    const { epoch, transfer } = await put(file, to(bob, carol));
    await write(file, epoch, new Owner(), 0, 3);
    await files.done(bob, toHex(file.transferId), 'received');
    await files.close();
    const path = join(dir, 'blobs', blobName(transfer.record.blob));
    await appendFile(path, Buffer.alloc(100, 7));
    await writeFile(join(dir, 'blobs', blobName(999)), 'orphan');
    files = await open();
    const t = files.transfer(toHex(file.transferId))!;
    assert.equal(t.have, 3);
    assert.ok(!t.isWaitingFor(bob) && t.isWaitingFor(carol));
    assert.equal((await stat(path)).size, 3 * (CHUNK + 16));
    assert.deepEqual(await blobs(), [blobName(transfer.record.blob)]);
    assert.deepEqual(files.registry.usageOf(alice), { bytes: 4 * CHUNK, transfers: 1 });
    // A new blob never reuses a number.
    const next = await put(makeFile(1, CHUNK));
    assert.ok(next.transfer.record.blob > transfer.record.blob);
  });

  it('serves only what the blob holds when it is shorter than its record says', async () => {
    const file = makeFile(4 * CHUNK, CHUNK);
    const { epoch, transfer } = await put(file);
    await write(file, epoch, new Owner(), 0, 4);
    await files.close();
    const { truncate } = await import('node:fs/promises');
    await truncate(join(dir, 'blobs', blobName(transfer.record.blob)), 2 * (CHUNK + 16) + 10);
    files = await open();
    assert.equal(files.transfer(toHex(file.transferId))!.have, 2);
  });

  it('holds users without a FilePolicy to defaultMaxIncomingFileBytes', async () => {
    await files.close();
    files = await open({ defaultMaxIncomingFileBytes: 3 * CHUNK });
    const big = putFrame(makeFile(3 * CHUNK + 1, CHUNK), to(bob));
    assert.equal((await files.put(alice, big)).code, 'E_FILE_TOO_LARGE');
    await files.setPolicy(bob, 4 * CHUNK);
    assert.equal((await files.put(alice, big)).code, '');
  });

  it('keeps a FilePolicy across a restart; 0 restores the default', async () => {
    await files.setPolicy(bob, 3 * CHUNK);
    assert.equal(
      (await files.put(alice, putFrame(makeFile(4 * CHUNK, CHUNK), to(bob)))).code,
      'E_FILE_TOO_LARGE',
    );
    await files.close();
    files = await open();
    assert.equal(files.maxIncoming(bob), 3 * CHUNK);
    await files.setPolicy(bob, 0);
    assert.equal(files.maxIncoming(bob), DEFAULT_RELAY_LIMITS.defaultMaxIncomingFileBytes);
  });

  it('says a FilePolicy refused for a full disk as E_DISK_FULL, as the store says its full disk, once a minute', async () => {
    const warnings: { msg: string; fields: LogFields }[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (msg, fields) => warnings.push({ msg, fields: fields ?? {} }),
      error: () => undefined,
      child: () => log,
    };
    await files.close();
    files = await open({}, log);
    free = 0;
    for (let i = 0; i < 20; i++)
      assert.equal((await files.setPolicy(bob, CHUNK))?.code, 'disk-full');
    const said = () => warnings.filter((w) => w.msg === 'file policy not stored');
    assert.equal(said().length, 1, JSON.stringify(warnings));
    assert.equal(said()[0]?.fields.code, 'E_DISK_FULL');
    const store = warnings.filter((w) => /free-space watermark/.test(w.msg));
    assert.equal(store[0]?.fields.code, 'E_DISK_FULL', JSON.stringify(warnings));
    clock.advance(60_000);
    await files.setPolicy(carol, CHUNK);
    assert.equal(said().length, 2);
    assert.equal(said()[1]?.fields.refused, 20, 'the 19 held back and this one');
    assert.ok(!JSON.stringify(warnings).includes('"disk-full"'), 'one code for a full disk');
  });
});
