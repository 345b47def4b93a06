import assert from 'node:assert/strict';
import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BLOB_IDLE_MS,
  BLOB_OPEN_FILES,
  BlobStore,
  blobName,
  MAX_BLOB_NUMBER,
} from '../../../../src/relay/files/blob-store.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

describe('relay blob store (real temp files)', () => {
  let blobs: BlobStore;

  beforeEach(async () => {
    blobs = new BlobStore(await makeTempDir('natter-blobs-'));
    await blobs.open();
  });

  afterEach(() => blobs.close());

  after(removeTempDirs);

  it('names blobs by a 12-digit number and refuses anything else', () => {
    assert.equal(blobName(7), '000000000007.blob');
    assert.equal(blobName(MAX_BLOB_NUMBER), '999999999999.blob');
    for (const bad of [0, -1, 1.5, MAX_BLOB_NUMBER + 1, Number.NaN]) {
      assert.throws(() => blobName(bad), RangeError);
    }
  });

  it('writes parts at their offset, durably, and reads them back by position', async () => {
    await blobs.write(3, 0, [Buffer.from('aaaa'), Buffer.from('bbbb')], true);
    await blobs.write(3, 8, [Buffer.from('cc')], false);
    // A rewrite of the same offset (a resent chunk) changes nothing else.
    await blobs.write(3, 4, [Buffer.from('bbbb')], false);
    assert.equal((await readFile(blobs.path(3))).toString(), 'aaaabbbbcc');
    assert.equal((await blobs.read(3, 4, 6)).toString(), 'bbbbcc');
    assert.deepEqual(await blobs.list(), [3]);
    assert.equal((await stat(blobs.path(3))).mode & 0o777, 0o600);
  });

  it('refuses to read past the end of a blob', async () => {
    await blobs.write(1, 0, [Buffer.from('abc')], true);
    await assert.rejects(blobs.read(1, 1, 5));
  });

  it('truncates a blob to its durable length on reopen and reports a shorter or missing one', async () => {
    await blobs.write(2, 0, [Buffer.alloc(100, 1)], true);
    assert.equal(await blobs.truncate(2, 60), 60);
    assert.equal((await stat(blobs.path(2))).size, 60);
    assert.equal(await blobs.truncate(2, 80), 60, 'a short blob is never extended');
    assert.equal((await stat(blobs.path(2))).size, 60);
    assert.equal(await blobs.truncate(9, 10), 0);
  });

  it('lists only its own names, and removes blobs idempotently', async () => {
    await blobs.write(5, 0, [Buffer.from('x')], true);
    await writeFile(join(blobs.dir, 'notes.txt'), 'x');
    assert.deepEqual(await blobs.list(), [5]);
    await blobs.remove(5);
    await blobs.remove(5);
    assert.deepEqual(await readdir(blobs.dir), ['notes.txt']);
  });

  it('does not follow a symlink planted at a blob name', async () => {
    const target = join(blobs.dir, 'target');
    await writeFile(target, 'secret');
    await symlink(target, blobs.path(4));
    await assert.rejects(blobs.write(4, 0, [Buffer.from('x')], true), { code: 'ELOOP' });
    await assert.rejects(blobs.read(4, 0, 1), { code: 'ELOOP' });
    assert.equal(await readFile(target, 'utf8'), 'secret');
  });

  it('reads a run of chunks into separate buffers in one call', async () => {
    await blobs.write(6, 0, [Buffer.from('0123456789')], true);
    const a = Buffer.alloc(3);
    const b = Buffer.alloc(4);
    await blobs.readInto(6, 2, [a, b]);
    assert.equal(a.toString(), '234');
    assert.equal(b.toString(), '5678');
    await assert.rejects(blobs.readInto(6, 8, [Buffer.alloc(1), Buffer.alloc(2)]));
  });

  it(`keeps at most BLOB_OPEN_FILES (${BLOB_OPEN_FILES}) files open, closing the least recently used`, async () => {
    const small = new BlobStore(join(blobs.dir, '..', 'lru'), 3);
    await small.open();
    try {
      for (const n of [1, 2, 3]) await small.write(n, 0, [Buffer.from(`blob ${n}`)], true);
      assert.equal(small.openFiles, 3, 'kept open between batches');
      // Blob 1 is used again, so blob 2 is the least recently used when 4 comes.
      assert.equal((await small.read(1, 0, 6)).toString(), 'blob 1');
      await small.write(4, 0, [Buffer.from('blob 4')], true);
      assert.equal(small.openFiles, 3);
      // Every blob still reads and writes (a closed one opens again).
      for (const n of [1, 2, 3, 4])
        assert.equal((await small.read(n, 0, 6)).toString(), `blob ${n}`);
      await small.write(2, 6, [Buffer.from('!')], false);
      assert.equal((await small.read(2, 0, 7)).toString(), 'blob 2!');
      assert.ok(small.openFiles <= 3);
    } finally {
      await small.close();
    }
    assert.equal(small.openFiles, 0);
  });

  it('never closes a file under a batch in flight, even past the limit', async () => {
    const one = new BlobStore(join(blobs.dir, '..', 'one'), 1);
    await one.open();
    try {
      await one.write(1, 0, [Buffer.alloc(1 << 20, 1)], true);
      // Two reads of two blobs at once: the limit is 1, both must still complete.
      await one.write(2, 0, [Buffer.alloc(1 << 20, 2)], true);
      const [a, b] = await Promise.all([one.read(1, 0, 1 << 20), one.read(2, 0, 1 << 20)]);
      assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2));
      assert.equal(one.openFiles, 1);
    } finally {
      await one.close();
    }
  });

  it('closes a file on remove (after the read in flight) and files idle for BLOB_IDLE_MS', async () => {
    let now = 0;
    const timed = new BlobStore(join(blobs.dir, '..', 'idle'), BLOB_OPEN_FILES, () => now);
    await timed.open();
    try {
      await timed.write(1, 0, [Buffer.alloc(1 << 20, 7)], true);
      await timed.write(2, 0, [Buffer.from('x')], true);
      const reading = timed.read(1, 0, 1 << 20);
      await timed.remove(1);
      assert.ok(
        (await reading).every((x) => x === 7),
        'the read in flight completes',
      );
      assert.equal(timed.openFiles, 1);
      await assert.rejects(timed.read(1, 0, 1), { code: 'ENOENT' });
      now = BLOB_IDLE_MS - 1;
      assert.equal(await timed.closeIdle(), 0);
      now = BLOB_IDLE_MS;
      assert.equal(await timed.closeIdle(), 1);
      assert.equal(timed.openFiles, 0);
      assert.equal((await timed.read(2, 0, 1)).toString(), 'x');
    } finally {
      await timed.close();
    }
  });
});
