/**
 * The history the screen holds as a window (history-view.ts): older pages read by cursor,
 * each entry once; a bounded window that drops the far end and reads it again; /open at a
 * search hit however old, the window then ending before the newest until PageDown reaches
 * it, a message is sent or /collapse goes back.
 */
import assert from 'node:assert/strict';
import { HELD_PAGES } from '../../../src/peer/ui/history-view.js';
import { contact } from './fake-core.js';
import { destroyAll, type Harness, screenText, start } from './harness.js';

const PAGE_UP = '\x1b[5~';
const PAGE_DOWN = '\x1b[6~';
const PAGE_SIZE = 40;
const COUNT = 600;

/** bob wrote COUNT messages (one of them, 50, says kumquat); bob's conversation open. */
async function long(): Promise<Harness> {
  const h = await start({
    settings: { historyPageSize: PAGE_SIZE },
    setup: (core) => {
      core.contactList = [contact('bob')];
      for (let i = 0; i < COUNT; i++)
        core.receive('bob', i === 50 ? `message ${i} kumquat` : `message ${i}`);
    },
  });
  h.app.open('bob');
  await h.settle();
  return h;
}

/** Presses `key` until `done` holds of the screen, at most `most` times. */
async function pressUntil(h: Harness, key: string, done: (text: string) => boolean, most = 200) {
  for (let i = 0; i < most && !done(screenText(h)); i++) await h.type(key);
  return screenText(h);
}

const bottomRow = (h: Harness) => h.rows()[h.rows().length - 4]!;

describe('ui screen: the history window', () => {
  afterEach(destroyAll);

  it('says how many of the new messages are above the page read, fewer as PageUp reads them', async () => {
    const h = await start({
      settings: { historyPageSize: PAGE_SIZE },
      setup: (core) => {
        core.contactList = [contact('bob'), contact('carol')];
      },
    });
    h.app.open('carol');
    await h.settle();
    for (let i = 0; i < COUNT; i++) h.core.receive('bob', `message ${i}`);
    await h.settle();
    h.app.open('bob');
    await h.settle();
    const above = () => {
      const m = /new messages · ([\d,]+) more above \(PgUp\)/.exec(screenText(h));
      return m === null ? null : Number(m[1]!.replace(/,/g, ''));
    };
    const first = above();
    assert.ok(first !== null && first > 0 && first < COUNT, `said ${first}`);
    await pressUntil(h, PAGE_UP, () => (above() ?? first) < first, 20);
    const later = above();
    assert.ok(later === null || later < first, `then ${later}`);
  });

  it('reads each older page once, by cursor, on the way to the first message', async () => {
    const h = await long();
    h.core.pageReads.length = 0;
    h.core.pageItems = 0;
    const text = await pressUntil(h, PAGE_UP, (t) => /beginning of the conversation/.test(t));
    assert.match(text, /message 0\b/);
    assert.ok(
      h.core.pageReads.every((at) => 'before' in at),
      'the pages before the oldest held, never the newest again',
    );
    assert.equal(h.core.pageReads.length, COUNT / PAGE_SIZE - 1);
    assert.equal(h.core.pageItems, COUNT - PAGE_SIZE, 'every older entry read once');
  });

  it('holds a bounded window: at the first message the newest are dropped, PageDown reads them again', async () => {
    const h = await long();
    // Each PageUp shows the page above the last, though the window's far end is dropped.
    const tops: number[] = [];
    await pressUntil(h, PAGE_UP, (t) => {
      tops.push(Number(/message (\d+)/.exec(t)?.[1]));
      return /beginning of the conversation/.test(t);
    });
    const steps = tops.slice(1).map((top, i) => tops[i]! - top);
    assert.ok(
      steps.every((step) => step > 0 && step <= 20),
      `no jump: ${steps.join(',')}`,
    );
    assert.match(h.rows()[0]!, /scrolled, PgDn/);
    // A message arriving meanwhile goes past the window's end: read with the newer pages.
    h.core.receive('bob', 'while far back');
    await h.settle();
    assert.doesNotMatch(screenText(h), /while far back/);
    const text = await pressUntil(h, PAGE_DOWN, (t) => /while far back/.test(t));
    assert.match(text, /message 599\b[\s\S]*while far back/);
    assert.doesNotMatch(screenText(h), /↓ newer|scrolled, PgDn/);
    assert.ok(
      h.core.pageReads.some((at) => 'after' in at),
      'newer pages after the last held',
    );
    assert.ok(HELD_PAGES * PAGE_SIZE < COUNT, 'the test holds more than a window');
  });

  it('/open reaches a hit older than any page read, and PageDown reads on to the newest', async () => {
    const h = await long();
    await h.type('/search kumquat\r');
    await h.type('/open 1\r');
    await h.settle();
    assert.match(screenText(h), /bob: message 50 kumquat/);
    assert.match(h.rows()[0]!, /scrolled, PgDn/);
    const text = await pressUntil(h, PAGE_DOWN, (t) => /message 599\b/.test(t));
    assert.match(text, /message 599\b/);
    assert.ok(
      h.core.pageReads.some((at) => 'after' in at),
      'newer pages after the last held',
    );
    assert.doesNotMatch(bottomRow(h), /↓ newer/);
  });

  it('goes back from a hit to the newest with /collapse, or with a message sent', async () => {
    const h = await long();
    await h.type('/search kumquat\r');
    await h.type('/open 1\r');
    await h.settle();
    await h.type('/collapse\r');
    await h.settle();
    assert.match(screenText(h), /message 599\b/);
    assert.doesNotMatch(screenText(h), /kumquat|↓ newer/);
    await h.type('/open 1\r');
    await h.settle();
    assert.match(screenText(h), /kumquat/);
    await h.type('back to now\r');
    await h.settle();
    assert.match(screenText(h), /message 599\b[\s\S]*alice: back to now/);
    assert.doesNotMatch(screenText(h), /kumquat|↓ newer/);
  });
});
