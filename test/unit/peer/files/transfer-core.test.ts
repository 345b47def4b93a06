/**
 * The client's upload and download machines against an in-memory relay: the window, acks,
 * the part file, acks once written and fdatasync at checkpoints, resume from the part
 * file's durable chunks after a restart, and the receiver's naming of what it saves
 * (hostile names and entry paths, planted symlinks).
 */
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileChunkCount } from '../../../../src/crypto/file-stream.js';
import { randomBytes } from '../../../../src/crypto/random.js';
import { Download } from '../../../../src/peer/files/downloads.js';
import { fileLabel } from '../../../../src/peer/files/offer-label.js';
import { intakeOffer, offerInfo } from '../../../../src/peer/files/offers.js';
import { ProgressMeter } from '../../../../src/peer/files/progress.js';
import type { IncomingRecord, OutgoingRecord } from '../../../../src/peer/files/records.js';
import { storeOffer } from '../../../../src/peer/files/records.js';
import { FILE_UPLOAD_WINDOW_CHUNKS, Upload } from '../../../../src/peer/files/uploads.js';
import { downloadInfo } from '../../../../src/peer/files/views.js';
import { toHex } from '../../../../src/util/bytes.js';
import { decodeFrame } from '../../../../src/wire/codec.js';
import { FrameDecoder } from '../../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../../src/wire/limits.js';
import type { FileOffer, Frame, FrameOf } from '../../../../src/wire/types.js';
import { openFdsTo } from '../../../helpers/fds.js';
import { HOSTILE_NAMES } from '../../../helpers/hostile-names.js';
import { sealedOffer } from '../../../helpers/sealed-offer.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const CHUNK = 4096;

/** Waits (polling, in a test only) until `cond` holds; fails after `ms`. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The `through` of the last FileChunkAck in `sent`, or 0. */
const lastAck = (sent: Frame[]) =>
  sent.reduce((n, f) => (f.type === 'file-chunk-ack' ? f.through : n), 0);
const SENDER = randomBytes(32);

function content(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

function offerFor(data: Uint8Array, name = 'report.pdf', entries: FileOffer['entries'] = []) {
  return sealedOffer(data, { name, entries, chunkBytes: CHUNK });
}

function receiver(offer: FileOffer, dir: string, name = 'alice'): IncomingRecord {
  const r = intakeOffer(offer, {
    from: name,
    fromUserId: SENDER,
    conversation: `@${name}` as IncomingRecord['conversation'],
    group: null,
    nowMs: 0,
  });
  r.state = 'accepted';
  r.dir = dir;
  return r;
}

/**
 * A Download wired to a fake relay: records what it sends, when it changes, and the durable
 * count each time the record is stored.
 */
function downloader(record: IncomingRecord, opts: { checkpointBytes?: number } = {}) {
  const sent: Frame[] = [];
  const asked: number[] = [];
  const stored: (number | undefined)[] = [];
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const dl = new Download(record, {
    link: {
      ready: true,
      send: (f) => {
        sent.push(f);
        return true;
      },
    },
    get: async (body) => {
      asked.push(body.fromIndex);
      return {
        type: 'file-get-result',
        requestId: 1,
        code: '',
        reason: '',
        size: record.offer.size,
        chunkBytes: record.offer.chunkBytes,
        haveChunks: fileChunkCount(record.offer.size, record.offer.chunkBytes),
        from: SENDER,
      };
    },
    later: () => undefined,
    changed: (d, durable) => {
      if (durable) stored.push(d.record.durableChunks);
      if (d.record.state !== 'accepted') settle();
    },
    ...opts,
  });
  return { dl, sent, asked, stored, finished };
}

/** An Upload of `data` (written to a file of its own) to a fake relay that records its chunks. */
async function uploader(data: Uint8Array) {
  const dir = await makeTempDir();
  const path = join(dir, 'f');
  await writeFile(path, data);
  const { offer } = offerFor(data);
  const { mtimeMs } = await lstat(path);
  const record: OutgoingRecord = {
    offer: storeOffer(offer),
    peer: '@bob',
    conversation: '@bob' as OutgoingRecord['conversation'],
    recipients: { to: [toHex(randomBytes(32))] },
    sources: [{ path, size: data.byteLength, mtimeMs }],
    state: 'running',
    ackedChunks: 0,
    createdAtMs: 0,
    error: null,
  };
  const sent: FrameOf<'file-chunk'>[] = [];
  /** The acked count each time the record was to be stored. */
  const stored: number[] = [];
  const up = new Upload(record, {
    link: {
      ready: true,
      writable: true,
      send: (f) => {
        if (f.type === 'file-chunk') sent.push(f);
        return true;
      },
      // Chunks come framed already: decoded here as the relay would.
      sendFramed: (bytes) => {
        const frames = new FrameDecoder(MAX_FRAME_BYTES).push(bytes);
        assert.equal(frames.length, 1, 'one whole frame');
        const f = decodeFrame(frames[0]!);
        if (f.type === 'file-chunk') sent.push({ ...f, data: new Uint8Array(f.data) });
        return true;
      },
    },
    put: async () => {
      throw new Error('not used');
    },
    changed: (_u, persist) => {
      if (persist) stored.push(record.ackedChunks);
    },
    later: () => undefined,
    offerAccepted: async () => undefined,
  });
  return { up, record, sent, path, dir, offer, stored };
}

describe('files: the client transfer core', () => {
  after(removeTempDirs);

  it('uploads with at most FILE_UPLOAD_WINDOW_CHUNKS unacknowledged, acks moving the window', async () => {
    // More chunks than a window and the acks below move it by.
    const data = content(CHUNK * (FILE_UPLOAD_WINDOW_CHUNKS + 20) + 100);
    const { up, record, sent, dir, offer } = await uploader(data);
    up.started(0);
    await until(() => sent.length >= FILE_UPLOAD_WINDOW_CHUNKS, 'a window');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sent.length, FILE_UPLOAD_WINDOW_CHUNKS);
    up.onAck({
      type: 'file-chunk-ack',
      transferId: up.transferId,
      through: 3,
      code: '',
      reason: '',
    });
    await until(() => sent.length >= FILE_UPLOAD_WINDOW_CHUNKS + 3, 'three more');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sent.length, FILE_UPLOAD_WINDOW_CHUNKS + 3);
    assert.deepEqual(
      sent.map((f) => f.index),
      [...Array(sent.length).keys()],
    );
    up.onAck({
      type: 'file-chunk-ack',
      transferId: up.transferId,
      through: 11,
      code: '',
      reason: '',
    });
    await until(() => sent.length >= 11 + FILE_UPLOAD_WINDOW_CHUNKS, 'the window from 11');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(record.state, 'running');
    assert.equal(sent.length, 11 + FILE_UPLOAD_WINDOW_CHUNKS);
    while (sent.length < up.count) {
      const before = sent.length;
      up.onAck({
        type: 'file-chunk-ack',
        transferId: up.transferId,
        through: sent.length,
        code: '',
        reason: '',
      });
      await until(() => sent.length > before, 'more chunks');
    }
    up.onAck({
      type: 'file-chunk-ack',
      transferId: up.transferId,
      through: up.count,
      code: '',
      reason: '',
    });
    assert.equal(record.state, 'done');
    // What went out opens at the receiver: the same chunks as sealing the file directly.
    const out = join(dir, 'down');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out);
    const rec = receiver(offer, out);
    const { dl, finished } = downloader(rec);
    await dl.resume();
    for (const f of sent) dl.onChunk(f);
    await finished;
    assert.equal(rec.state, 'received', JSON.stringify(rec.error));
    assert.deepEqual(new Uint8Array(await readFile(rec.savedAs!)), data);
  });

  it('stores how far an upload got at every window of acked chunks, and at its end', async () => {
    const data = content(CHUNK * (FILE_UPLOAD_WINDOW_CHUNKS * 2 + 5));
    const { up, stored } = await uploader(data);
    const ack = (through: number) =>
      up.onAck({
        type: 'file-chunk-ack',
        transferId: up.transferId,
        through,
        code: '',
        reason: '',
      });
    ack(3);
    ack(FILE_UPLOAD_WINDOW_CHUNKS);
    ack(FILE_UPLOAD_WINDOW_CHUNKS + 10);
    ack(FILE_UPLOAD_WINDOW_CHUNKS * 2 + 1);
    ack(FILE_UPLOAD_WINDOW_CHUNKS * 2 + 5);
    await up.stop();
    assert.deepEqual(stored, [
      FILE_UPLOAD_WINDOW_CHUNKS,
      FILE_UPLOAD_WINDOW_CHUNKS * 2 + 1,
      FILE_UPLOAD_WINDOW_CHUNKS * 2 + 5,
    ]);
  });

  it('downloads: opens in order, writes, acks, verifies, names the file, says FileDone', async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 5 + 17);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    const { dl, sent, asked, finished } = downloader(rec);
    await dl.resume();
    assert.deepEqual(asked, [0]);
    for (const c of chunks) dl.onChunk(c);
    await finished;
    assert.equal(rec.state, 'received', JSON.stringify(rec.error));
    assert.equal(rec.savedAs, join(dir, 'report.pdf'));
    assert.deepEqual(new Uint8Array(await readFile(rec.savedAs!)), data);
    const acks = sent.filter((f) => f.type === 'file-chunk-ack');
    assert.equal(acks.at(-1)?.type === 'file-chunk-ack' && acks.at(-1)?.through, chunks.length);
    assert.ok(sent.some((f) => f.type === 'file-done' && f.outcome === 'received'));
    assert.deepEqual(await readdir(dir), ['report.pdf'], 'no part file is left');
  });

  it('stops an upload while it reads its source: the file is closed, and the upload not failed', async function () {
    if (openFdsTo('/') === null) this.skip(); // no /proc/self/fd here
    // The client closing (Ctrl-C on send) while the first chunk is read.
    for (const wait of [false, true]) {
      const { up, record, sent, path } = await uploader(content(CHUNK * 4));
      up.started(0);
      if (wait) await new Promise((r) => setImmediate(r));
      await up.stop();
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(openFdsTo(path), [], `the source is left open (waited: ${wait})`);
      assert.equal(record.state, 'running', JSON.stringify(record.error));
      assert.deepEqual(sent, [], 'a stopped upload sends nothing');
    }
  });

  it('stops a download while its part file is opening: the file is closed, and nothing is failed', async function () {
    if (openFdsTo('/') === null) this.skip(); // no /proc/self/fd here
    const dir = await makeTempDir();
    const { offer, chunks } = offerFor(content(CHUNK * 3));
    const rec = receiver(offer, dir);
    const part = join(dir, `.natter-${rec.offer.transferId}.part`);
    // Ctrl-C on accept, or the client closing, while resume() opens the part file.
    for (const wait of [false, true]) {
      const { dl, asked } = downloader(rec);
      const started = dl.resume();
      if (wait) await new Promise((r) => setImmediate(r));
      await dl.stop(false);
      await started;
      assert.deepEqual(openFdsTo(part), [], `the part file is left open (waited: ${wait})`);
      assert.equal(rec.state, 'accepted', JSON.stringify(rec.error));
      assert.deepEqual(asked, [], 'a stopped download asks the relay for nothing');
    }
    // And it goes on from there when started again.
    const { dl, finished } = downloader(rec);
    await dl.resume();
    for (const c of chunks) dl.onChunk(c);
    await finished;
    assert.equal(rec.state, 'received', JSON.stringify(rec.error));
    assert.deepEqual(openFdsTo(part), []);
  });

  it('resumes a download after a restart from the part file, re-hashing its prefix', async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 9 + 1);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    const first = downloader(rec);
    await first.dl.resume();
    for (const c of chunks.slice(0, 6)) first.dl.onChunk(c);
    await until(() => lastAck(first.sent) === 6, 'six chunks acked');
    await first.dl.stop(false);
    // A torn write after the last ack: half a chunk more in the part file.
    const part = join(dir, `.natter-${rec.offer.transferId}.part`);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(part, new Uint8Array(CHUNK / 2));
    const again = downloader(JSON.parse(JSON.stringify(rec)) as IncomingRecord);
    await again.dl.resume();
    assert.deepEqual(again.asked, [6]);
    for (const c of chunks.slice(6)) again.dl.onChunk(c);
    await again.finished;
    assert.equal(again.dl.record.state, 'received', JSON.stringify(again.dl.record.error));
    assert.deepEqual(new Uint8Array(await readFile(again.dl.record.savedAs!)), data);
  });

  it('goes on after the link dropped mid-batch: chunks of the old connection are not taken for the new request', async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 80 + 5);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    const { dl, asked, finished } = downloader(rec);
    await dl.resume();
    // A batch of chunks is being written when the relay goes away (a restart, found by a
    // new-user trial): some of the batch is left unwritten, and a few more had arrived.
    for (const c of chunks.slice(0, 64)) dl.onChunk(c);
    while (dl.doneBytes < 3 * CHUNK) await new Promise((r) => setImmediate(r));
    for (const c of chunks.slice(64, 67)) dl.onChunk(c);
    dl.offline();
    // Ready again: the relay is asked from where the part file stops, and sends from there.
    await dl.resume();
    const from = asked.at(-1)!;
    assert.ok(from > 0 && from < 64, `asked again from ${from}`);
    for (const c of chunks.slice(from)) dl.onChunk(c);
    await finished;
    assert.equal(rec.state, 'received', JSON.stringify(rec.error));
    assert.deepEqual(new Uint8Array(await readFile(rec.savedAs!)), data);
  });

  it('acks chunks once written, fdatasyncs at checkpoints, and a resume cuts the part file back to the durable count', async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 9 + 1);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    rec.durableChunks = 0; // as accepting sets it
    const first = downloader(rec, { checkpointBytes: 4 * CHUNK });
    await first.dl.resume();
    for (const c of chunks.slice(0, 7)) first.dl.onChunk(c);
    await until(() => lastAck(first.sent) === 7, 'seven chunks acked');
    await until(() => rec.durableChunks === 4, 'the checkpoint at four chunks');
    await new Promise((r) => setTimeout(r, 20));
    // Acked past the checkpoint: the ack waits for the write, not for the disk.
    assert.equal(rec.durableChunks, 4);
    assert.deepEqual(first.stored, [4], 'the durable count stored once the sync was done');
    const part = join(dir, `.natter-${rec.offer.transferId}.part`);
    assert.equal((await lstat(part)).size, 7 * CHUNK);
    // A crash now: the record as stored says four chunks are durable, the part file holds seven.
    const stored = JSON.parse(JSON.stringify(rec)) as IncomingRecord;
    await first.dl.stop(false);
    assert.equal(rec.durableChunks, 7, 'a clean stop makes what was written durable');
    const again = downloader(stored);
    assert.equal(again.dl.doneBytes, 4 * CHUNK, 'not resumed yet: what is durable (transfers)');
    await again.dl.resume();
    assert.deepEqual(again.asked, [4]);
    assert.equal((await lstat(part)).size, 4 * CHUNK, 'cut back to the durable count');
    for (const c of chunks.slice(4)) again.dl.onChunk(c);
    await again.finished;
    assert.equal(again.dl.record.state, 'received', JSON.stringify(again.dl.record.error));
    assert.equal(again.dl.record.durableChunks, chunks.length);
    assert.deepEqual(new Uint8Array(await readFile(again.dl.record.savedAs!)), data);
  });

  it("resumes a record from before checkpoints (no durable count) from the part file's whole chunks", async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 5);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    const first = downloader(rec);
    await first.dl.resume();
    for (const c of chunks.slice(0, 3)) first.dl.onChunk(c);
    await until(() => lastAck(first.sent) === 3, 'three chunks acked');
    await first.dl.stop(false);
    const old = JSON.parse(JSON.stringify(rec)) as IncomingRecord;
    delete old.durableChunks;
    const again = downloader(old);
    await again.dl.resume();
    assert.deepEqual(again.asked, [3]);
    for (const c of chunks.slice(3)) again.dl.onChunk(c);
    await again.finished;
    assert.equal(again.dl.record.state, 'received', JSON.stringify(again.dl.record.error));
    assert.deepEqual(new Uint8Array(await readFile(again.dl.record.savedAs!)), data);
  });

  it('fails a download whose part file was tampered with: the hash does not match', async () => {
    const dir = await makeTempDir();
    const data = content(CHUNK * 4);
    const { offer, chunks } = offerFor(data);
    const rec = receiver(offer, dir);
    const first = downloader(rec);
    await first.dl.resume();
    for (const c of chunks.slice(0, 2)) first.dl.onChunk(c);
    await until(() => lastAck(first.sent) === 2, 'two chunks acked');
    await first.dl.stop(false);
    const part = join(dir, `.natter-${rec.offer.transferId}.part`);
    const bytes = await readFile(part);
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await writeFile(part, bytes);
    const again = downloader(JSON.parse(JSON.stringify(rec)) as IncomingRecord);
    await again.dl.resume();
    for (const c of chunks.slice(2)) again.dl.onChunk(c);
    await again.finished;
    assert.equal(again.dl.record.state, 'failed');
    assert.equal(again.dl.record.error?.code, 'E_FILE_HASH_MISMATCH');
    await until(async () => (await readdir(dir)).length === 0, 'the part file removed');
  });

  it('splits a folder into its entries, under a folder named by the receiver', async () => {
    const dir = await makeTempDir();
    const a = content(5000);
    const b = content(3);
    const data = new Uint8Array([...a, ...b]);
    const { offer, chunks } = offerFor(data, 'photos', [
      { path: 'x/a.jpg', size: a.byteLength },
      { path: 'b.txt', size: 3 },
    ]);
    const rec = receiver(offer, dir);
    const { dl, finished } = downloader(rec);
    await dl.resume();
    for (const c of chunks) dl.onChunk(c);
    await finished;
    assert.equal(rec.state, 'received', JSON.stringify(rec.error));
    assert.equal(rec.savedAs, join(dir, 'photos'));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'photos', 'x', 'a.jpg'))), a);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'photos', 'b.txt'))), b);
    // Listed as its offer is: a folder of two files, in `natter transfers` as in `files`.
    const info = downloadInfo(dl, new ProgressMeter(), 0);
    assert.deepEqual([info.files, info.several], [2, undefined]);
    assert.equal(fileLabel(info), fileLabel(offerInfo(rec)));
    assert.equal(fileLabel(info), 'photos/ (2 files)');
    assert.equal(fileLabel(info, { size: true }), 'photos/ (2 files, 4.9 KiB)');
  });

  it('never saves a hostile name outside the folder, never overwrites, never follows a planted symlink', async () => {
    for (const name of HOSTILE_NAMES) {
      const dir = await makeTempDir();
      const outside = await makeTempDir();
      const data = content(100);
      const { offer, chunks } = offerFor(data, name);
      const rec = receiver(offer, dir);
      // A symlink and a file planted at the name the receiver would choose.
      await symlink(join(outside, 'victim'), join(dir, rec.offer.name));
      const { dl, finished } = downloader(rec);
      await dl.resume();
      for (const c of chunks) dl.onChunk(c);
      await finished;
      assert.equal(rec.state, 'received', `${JSON.stringify(name)}: ${JSON.stringify(rec.error)}`);
      assert.equal(dirname(rec.savedAs!), dir, JSON.stringify(name));
      assert.notEqual(rec.savedAs, join(dir, rec.offer.name));
      assert.deepEqual(await readdir(outside), [], 'the symlink was not followed');
      assert.equal(await readlink(join(dir, rec.offer.name)), join(outside, 'victim'));
    }
  });

  it('refuses an offer with a hostile entry path before anything is fetched or written', async () => {
    for (const bad of HOSTILE_NAMES.filter((n) => /[/\\]|^\.{1,2}$|^$|\0|[\x00-\x1f]/.test(n))) {
      const data = content(10);
      const { offer } = offerFor(data, 'f', [{ path: bad, size: 10 }]);
      const dir = await makeTempDir();
      const rec = receiver(offer, dir);
      const fresh = intakeOffer(offer, {
        from: 'alice',
        fromUserId: SENDER,
        conversation: '@alice' as IncomingRecord['conversation'],
        group: null,
        nowMs: 0,
      });
      assert.equal(fresh.state, 'failed', JSON.stringify(bad));
      assert.equal(fresh.error?.code, 'E_FILE_BAD_PATH');
      void rec;
      assert.deepEqual(await readdir(dir), []);
    }
  });
});
