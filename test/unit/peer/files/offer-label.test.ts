/**
 * How several paths sent at once are named wherever the offer is shown (offer-label.ts):
 * their items, sanitised and bounded, never a folder named after the first.
 */
import assert from 'node:assert/strict';
import {
  offerName,
  SEVERAL_NAME_CHARS,
  SEVERAL_NAMES_SHOWN,
  severalItems,
  severalLabel,
} from '../../../../src/peer/files/offer-label.js';
import { offerLine } from '../../../../src/peer/files/offers.js';

const entries = (...paths: string[]) => paths.map((path) => ({ path, size: 10 }));

describe('files: the name of several paths sent at once', () => {
  it('lists the items themselves, a folder with a slash, each once', () => {
    const o = {
      name: 'a.pdf and 2 more',
      entries: entries('a.pdf', 'b.txt', 'scans/1.png', 'scans/2.png'),
      several: true,
    };
    assert.equal(offerName(o), 'a.pdf, b.txt and scans/');
    assert.equal(offerName({ ...o, entries: entries('a.pdf', 'b.txt') }), 'a.pdf and b.txt');
    assert.equal(
      offerLine({ ...o, size: 40 }),
      'sent files: a.pdf, b.txt and scans/ (4 files, 40 B)',
    );
  });

  it('keeps a folder a folder and one file a file', () => {
    const folder = { name: 'photos', entries: entries('photos/a.jpg', 'photos/b.jpg') };
    assert.equal(offerName(folder), 'photos');
    assert.equal(offerLine({ ...folder, size: 20 }), 'sent a file: photos/ (2 files, 20 B)');
    assert.equal(offerName({ name: 'report.pdf', entries: [] }), 'report.pdf');
  });

  it('names at most a few items, then how many more', () => {
    const many = Array.from({ length: 9 }, (_, i) => `f${i}.txt`);
    assert.equal(
      severalLabel(many),
      `${many.slice(0, SEVERAL_NAMES_SHOWN).join(', ')} and ${9 - SEVERAL_NAMES_SHOWN} more`,
    );
  });

  it('sanitises every item and cuts a long one', () => {
    const [evil, long] = severalItems(
      entries('e\u202evil\x1b[2J.txt', `${'x'.repeat(500)}.bin`, 'c'),
    );
    assert.equal(evil, 'evil[2J.txt');
    assert.equal([...long!].length, SEVERAL_NAME_CHARS);
    assert.ok(long!.endsWith('…'));
  });
});
