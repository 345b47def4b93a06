/**
 * The part file of a download on its own: a restore cuts it back to the durable chunks and
 * feeds them to the opener, writes land at their chunk's offset, and checkpoints sync in the
 * background one at a time, each reporting the chunks it made durable.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkOpener } from '../../../../src/crypto/chunk-opener.js';
import { fileChunkCount, newFileKey } from '../../../../src/crypto/file-stream.js';
import { randomBytes } from '../../../../src/crypto/random.js';
import { PartFile, type PartFileOwner } from '../../../../src/peer/files/part-file.js';
import { toHex } from '../../../../src/util/bytes.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const CHUNK = 4096;

function content(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + 5) & 0xff;
  return b;
}

function openerFor(data: Uint8Array): ChunkOpener {
  const { key, noncePrefix } = newFileKey();
  return new ChunkOpener({
    key,
    noncePrefix,
    size: data.byteLength,
    chunkSize: CHUNK,
    sha256: new Uint8Array(createHash('sha256').update(data).digest()),
  });
}

/** An owner that records what the part file reports. */
function owner() {
  const durable: number[] = [];
  const failed: unknown[] = [];
  const o: PartFileOwner = {
    partDurable: (through) => durable.push(through),
    partFailed: (err) => failed.push(err),
  };
  return { o, durable, failed };
}

async function until(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('files: the part file of a download', () => {
  after(removeTempDirs);

  it('restores by cutting the file back to the durable chunks and feeding them to the opener', async () => {
    const dir = await makeTempDir();
    const id = toHex(randomBytes(16));
    const data = content(CHUNK * 6 + 10);
    // A previous run wrote five chunks and half of the sixth; only three were durable.
    await writeFile(join(dir, `.natter-${id}.part`), data.subarray(0, CHUNK * 5 + CHUNK / 2));
    const part = await PartFile.open(dir, id, { chunkBytes: CHUNK }, owner().o);
    const opener = openerFor(data);
    const count = fileChunkCount(data.byteLength, CHUNK);
    assert.equal(await part.restore(data.byteLength, count, 3, opener), 3);
    assert.equal(part.written, 3);
    assert.equal(opener.nextIndex, 3);
    assert.equal(opener.receivedBytes, 3 * CHUNK);
    await part.close();
    assert.equal((await lstat(part.path)).size, 3 * CHUNK);
  });

  it("restores a record without a durable count from the file's whole chunks", async () => {
    const dir = await makeTempDir();
    const id = toHex(randomBytes(16));
    const data = content(CHUNK * 4);
    await writeFile(join(dir, `.natter-${id}.part`), data.subarray(0, CHUNK * 2));
    await appendFile(join(dir, `.natter-${id}.part`), new Uint8Array(7));
    const part = await PartFile.open(dir, id, { chunkBytes: CHUNK }, owner().o);
    const opener = openerFor(data);
    assert.equal(await part.restore(data.byteLength, 4, undefined, opener), 2);
    assert.equal(opener.nextIndex, 2);
    await part.close();
    assert.equal((await lstat(part.path)).size, 2 * CHUNK, 'the torn tail cut off');
  });

  it('writes each chunk at its offset and checkpoints every checkpointBytes, reporting what is durable', async () => {
    const dir = await makeTempDir();
    const id = toHex(randomBytes(16));
    const data = content(CHUNK * 5);
    const { o, durable, failed } = owner();
    const part = await PartFile.open(dir, id, { chunkBytes: CHUNK, checkpointBytes: 2 * CHUNK }, o);
    await part.restore(data.byteLength, 5, 0, openerFor(data));
    await part.write(0, data.subarray(0, CHUNK));
    part.checkpoint(() => true);
    await part.settled();
    assert.deepEqual(durable, [], 'one chunk is short of a checkpoint');
    await part.write(1, data.subarray(CHUNK, 2 * CHUNK));
    part.checkpoint(() => true);
    await part.write(2, data.subarray(2 * CHUNK, 3 * CHUNK));
    await part.write(3, data.subarray(3 * CHUNK, 4 * CHUNK));
    part.checkpoint(() => true); // one is running: the next waits for it, then starts itself
    await until(() => durable.length === 2, 'two checkpoints');
    assert.deepEqual(durable, [2, 4]);
    assert.equal(part.written, 4);
    await part.settled();
    await part.close();
    assert.deepEqual(failed, []);
    assert.deepEqual(new Uint8Array(await readFile(part.path)), data.subarray(0, 4 * CHUNK));
  });

  it('removes the file once closed', async () => {
    const dir = await makeTempDir();
    const part = await PartFile.open(dir, toHex(randomBytes(16)), { chunkBytes: CHUNK }, owner().o);
    await part.close();
    await part.remove();
    assert.deepEqual(await readdir(dir), []);
  });
});
