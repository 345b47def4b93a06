/**
 * An offer's entry list checked whole (offer-entries.ts): a folder that names one path twice,
 * or a path both as a file and as a folder, is refused as damaged before anything is saved;
 * several paths sent at once may repeat a top-level name, up to what the namer can name.
 */
import assert from 'node:assert/strict';
import { FilesCode } from '../../../../src/peer/files/errors.js';
import { checkOfferEntries } from '../../../../src/peer/files/offer-entries.js';
import { intakeOffer } from '../../../../src/peer/files/offers.js';
import { MAX_UNIQUE_NAME_TRIES } from '../../../../src/peer/files/safe-name.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { MAX_FILE_ENTRIES } from '../../../../src/wire/limits.js';
import type { FileOffer } from '../../../../src/wire/types.js';

const list = (...paths: string[]) => paths.map((path) => ({ path }));

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return isNatterError(err) ? err.code : `not a NatterError: ${String(err)}`;
  }
  return undefined;
}

const folder = (paths: string[], fold = false) =>
  codeOf(() => checkOfferEntries(list(...paths), false, { fold }));
const several = (paths: string[], fold = false) =>
  codeOf(() => checkOfferEntries(list(...paths), true, { fold }));

describe('files: an offer entry list checked whole', () => {
  it('takes a consistent folder, including names that differ only in case where case counts', () => {
    assert.equal(folder(['a/b', 'a/c', 'b', 'c/d/e', 'README', 'readme']), undefined);
    assert.equal(folder([]), undefined);
  });

  it('refuses a folder listing one path twice (E_FILE_BAD_OFFER)', () => {
    assert.equal(folder(['same', 'same']), FilesCode.BadOffer);
    assert.equal(folder(['x/y', 'z', 'x/y']), FilesCode.BadOffer);
  });

  it('refuses a path that is a file and a folder above another entry, in either order', () => {
    assert.equal(folder(['a/b', 'a']), FilesCode.BadOffer);
    assert.equal(folder(['a', 'a/b']), FilesCode.BadOffer);
    assert.equal(folder(['a/b/c', 'a/b']), FilesCode.BadOffer);
    assert.equal(folder(['a/b', 'a/b/c/d']), FilesCode.BadOffer);
  });

  it('folds case and normalisation when the file system does', () => {
    assert.equal(folder(['README', 'readme'], true), FilesCode.BadOffer);
    assert.equal(folder(['Docs/a', 'docs'], true), FilesCode.BadOffer);
    assert.equal(folder(['caf\u00e9', 'cafe\u0301'], true), FilesCode.BadOffer);
    assert.equal(folder(['caf\u00e9', 'cafe\u0301']), undefined);
  });

  it('still refuses an unsafe path as E_FILE_BAD_PATH, and too many entries', () => {
    assert.equal(folder(['ok', '../x']), FilesCode.BadPath);
    assert.equal(folder([`${'d/'.repeat(40)}f`]), FilesCode.BadPath);
    const many = Array.from({ length: MAX_FILE_ENTRIES + 1 }, (_, i) => `f${i}`);
    assert.equal(folder(many), FilesCode.BadOffer);
  });

  it('lets several paths repeat a top-level name (each is named on its own) up to the namer', () => {
    assert.equal(several(['x.txt', 'x.txt', 'x', 'x/a', 'x/b']), undefined);
    const most = Array.from({ length: MAX_UNIQUE_NAME_TRIES }, () => 'dup.txt');
    assert.equal(several(most), undefined);
    assert.equal(several([...most, 'dup.txt']), FilesCode.BadOffer);
    // The same name once sanitised (a leading dot is dropped) counts as the same.
    assert.equal(several([...most, '.dup.txt']), FilesCode.BadOffer);
  });

  it("checks each of several paths' folders as a folder", () => {
    assert.equal(several(['d/f', 'd/f']), FilesCode.BadOffer);
    assert.equal(several(['d/f', 'd/f/g']), FilesCode.BadOffer);
    assert.equal(several(['d/f', 'e/f', 'd']), undefined);
  });

  it('is linear: 4096 entries deep and wide are checked at once', () => {
    const deep = Array.from({ length: MAX_FILE_ENTRIES }, (_, i) => `${'d/'.repeat(30)}f${i}`);
    const start = process.hrtime.bigint();
    assert.equal(folder(deep), undefined);
    assert.equal(several(Array.from({ length: 1000 }, () => 'same.txt')), undefined);
    assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
  });

  it('marks a contradictory offer failed (E_FILE_BAD_OFFER) as it arrives', () => {
    const offer: FileOffer = {
      transferId: new Uint8Array(16).fill(1),
      name: 'd',
      size: 6,
      sha256: new Uint8Array(32),
      chunkBytes: 4096,
      mime: '',
      fileKey: new Uint8Array(32).fill(2),
      noncePrefix: new Uint8Array(15).fill(3),
      entries: [
        { path: 'a/b', size: 3 },
        { path: 'a', size: 3 },
      ],
      several: false,
    };
    const r = intakeOffer(offer, {
      from: 'mallory',
      fromUserId: new Uint8Array(32),
      conversation: '@mallory' as never,
      group: null,
      nowMs: 0,
    });
    assert.equal(r.state, 'failed');
    assert.equal(r.error?.code, 'E_FILE_BAD_OFFER');
    assert.match(r.error?.message ?? '', /"a" is listed as a file and as a folder/);
  });
});
