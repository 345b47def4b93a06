/**
 * Saving a received folder or several paths whole or not at all, with real files in temp
 * dirs (a hostile-peer trial): an entry list that contradicts itself (a path twice, `a/b` and
 * `a` in either order, 1005 items of one name) is refused before anything is created; a save
 * that fails part way removes what it made and its part file, and accepting again adds no
 * `d (1)`; items of one name are named in one pass, not by trying every taken name again.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../../../../src/crypto/random.js';
import { tempPathFor } from '../../../../src/peer/files/download-path.js';
import { Download } from '../../../../src/peer/files/downloads.js';
import { saveReceived } from '../../../../src/peer/files/folder-split.js';
import { type IncomingRecord, storeOffer } from '../../../../src/peer/files/records.js';
import { isNatterError } from '../../../../src/util/errors.js';
import type { FrameOf } from '../../../../src/wire/types.js';
import { sealedOffer } from '../../../helpers/sealed-offer.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const CHUNK = 4096;
const SENDER = randomBytes(32);

/** An offer of `entries` (path, content), its sealed chunks, and a record accepted into `dir`. */
function offered(dir: string, name: string, entries: [string, string][], several = false) {
  const data = Buffer.from(entries.map(([, text]) => text).join(''));
  const { offer, chunks } = sealedOffer(data, {
    name,
    chunkBytes: CHUNK,
    entries: entries.map(([path, text]) => ({ path, size: Buffer.byteLength(text) })),
    several,
  });
  const record: IncomingRecord = {
    offer: storeOffer(offer),
    from: 'mallory',
    fromUserId: Buffer.from(SENDER).toString('hex'),
    conversation: '@mallory' as IncomingRecord['conversation'],
    group: null,
    offeredAtMs: 0,
    state: 'accepted',
    dir,
    savedAs: null,
    error: null,
  };
  return { data, record, chunks };
}

/** The verified stream as its part file, then saveReceived: the error's code, or undefined. */
async function save(record: IncomingRecord, data: Uint8Array): Promise<string | undefined> {
  const part = tempPathFor(record.dir!, record.offer.transferId);
  await writeFile(part, data);
  try {
    await saveReceived(part, record);
  } catch (err) {
    return isNatterError(err) ? err.code : String(err);
  }
  return undefined;
}

/** A Download of `record` against a fake relay serving `chunks`, run to its end. */
async function download(record: IncomingRecord, chunks: FrameOf<'file-chunk'>[]) {
  record.state = 'accepted';
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const dl = new Download(record, {
    link: { ready: true, send: () => true },
    get: async () => ({
      type: 'file-get-result',
      requestId: 1,
      code: '',
      reason: '',
      size: record.offer.size,
      chunkBytes: record.offer.chunkBytes,
      haveChunks: chunks.length,
      from: SENDER,
    }),
    later: () => undefined,
    changed: (d) => {
      if (d.record.state !== 'accepted') settle();
    },
  });
  await dl.resume();
  for (const c of chunks) dl.onChunk(c);
  await finished;
  await dl.failing;
}

describe('files: a received folder is saved whole or not at all (real files)', () => {
  afterEach(removeTempDirs);

  for (const [what, entries] of [
    [
      'one path twice',
      [
        ['same', 'AAA'],
        ['same', 'BBB'],
      ],
    ],
    [
      'a/b then a',
      [
        ['a/b', 'AAA'],
        ['a', 'BBB'],
      ],
    ],
    [
      'a then a/b',
      [
        ['a', 'AAA'],
        ['a/b', 'BBB'],
      ],
    ],
  ] as [string, [string, string][]][]) {
    it(`refuses a folder listing ${what} (E_FILE_BAD_OFFER), leaving nothing, again and again`, async () => {
      const dir = await makeTempDir('natter-whole-');
      const { data, record } = offered(dir, 'd', entries);
      for (let attempt = 0; attempt < 3; attempt++) {
        assert.equal(await save(record, data), 'E_FILE_BAD_OFFER', `attempt ${attempt}`);
        assert.deepEqual(await readdir(dir), [], `attempt ${attempt}: no folder, no part file`);
      }
    });
  }

  it('refuses 1005 items of one name at once, leaving nothing', async () => {
    const dir = await makeTempDir('natter-whole-');
    const entries = Array.from({ length: 1005 }, (): [string, string] => ['dup.txt', 'x']);
    const { data, record } = offered(dir, 'dup.txt and 1004 more', entries, true);
    const start = process.hrtime.bigint();
    assert.equal(await save(record, data), 'E_FILE_BAD_OFFER');
    assert.ok(process.hrtime.bigint() - start < 1_000_000_000n, 'at once');
    assert.deepEqual(await readdir(dir), []);
  });

  it('names several items of one name in one pass: dup.txt, dup (1).txt … beside those there', async function () {
    this.timeout(60_000);
    const dir = await makeTempDir('natter-whole-');
    for (const taken of ['dup.txt', 'dup (1).txt', 'dup (3).txt']) {
      await writeFile(join(dir, taken), 'mine');
    }
    const entries = Array.from({ length: 900 }, (_, i): [string, string] => ['dup.txt', `${i}`]);
    const { data, record } = offered(dir, 'dup.txt and 899 more', entries, true);
    const start = process.hrtime.bigint();
    assert.equal(await save(record, data), undefined);
    assert.ok(process.hrtime.bigint() - start < 30_000_000_000n, 'well within an accept');
    const items = record.savedItems!;
    assert.equal(items.length, 900);
    assert.equal(new Set(items).size, 900);
    assert.deepEqual(items.slice(0, 3), ['dup (2).txt', 'dup (4).txt', 'dup (5).txt']);
    assert.equal(await readFile(join(dir, items[899]!), 'utf8'), '899');
    assert.equal(await readFile(join(dir, 'dup (1).txt'), 'utf8'), 'mine');
    assert.equal((await readdir(dir)).length, 903, 'no part file left');
  });

  it('a save failing part way removes what it made and its part file; accepting again adds no copy', async () => {
    const dir = await makeTempDir('natter-whole-');
    // Every name of a.txt is taken already: the third item cannot be named.
    await writeFile(join(dir, 'a.txt'), 'mine');
    for (let n = 1; n < 1000; n++) await writeFile(join(dir, `a (${n}).txt`), 'mine');
    const before = (await readdir(dir)).sort();
    const { record, chunks } = offered(
      dir,
      'b.txt and 2 more',
      [
        ['b.txt', 'BBB'],
        ['c/d', 'DDD'],
        ['a.txt', 'AAA'],
      ],
      true,
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      await download(record, chunks);
      assert.equal(record.state, 'failed', `attempt ${attempt}`);
      assert.equal(record.error?.code, 'E_FILE_NO_FREE_NAME');
      assert.deepEqual((await readdir(dir)).sort(), before, `attempt ${attempt}: nothing left`);
    }
  });

  it('a folder whose stream ends inside an entry leaves no half folder', async () => {
    const dir = await makeTempDir('natter-whole-');
    await mkdir(join(dir, 'd'));
    const { data, record } = offered(dir, 'd', [
      ['x/a', 'AAA'],
      ['y/b', 'BBB'],
    ]);
    assert.notEqual(await save(record, data.subarray(0, 4)), undefined);
    assert.deepEqual(await readdir(dir), ['d']);
    assert.deepEqual(await readdir(join(dir, 'd')), []);
  });
});
