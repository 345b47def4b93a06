/**
 * Scrolling back through a long conversation, a page of history at a time (history-view.ts):
 * it reaches the real first message, says which line is the beginning and which only the
 * top of what is read so far, and keeps going however fast PageUp comes.
 */
import assert from 'node:assert/strict';
import type { ConversationId, HistoryPage, PageAt } from '../../../src/peer/index.js';
import { contact } from './fake-core.js';
import { destroyAll, type Harness, screenText, start, tick } from './harness.js';

const PAGE_UP = '\x1b[5~';
const PAGE_SIZE = 40;

/** bob wrote `count` messages before this screen opened; pages of PAGE_SIZE. */
function long(count: number) {
  return start({
    settings: { historyPageSize: PAGE_SIZE },
    setup: (core) => {
      core.contactList = [contact('bob')];
      for (let i = 0; i < count; i++) core.receive('bob', `message ${i}`);
    },
  });
}

/** The core's reads of bob's history wait for release() while held; rejects once with fail(). */
function gate(h: Harness) {
  const read = h.core.historyPage.bind(h.core);
  let held: Promise<void> | null = null;
  let release: () => void = () => undefined;
  let failNext = false;
  h.core.historyPage = async (
    conversation: ConversationId,
    at: PageAt,
    limit: number,
  ): Promise<HistoryPage> => {
    if (held !== null) await held;
    if (failNext) {
      failNext = false;
      throw new Error('store: read failed');
    }
    return read(conversation, at, limit);
  };
  return {
    hold: () => {
      held = new Promise<void>((resolve) => {
        release = () => {
          held = null;
          resolve();
        };
      });
    },
    release: () => release(),
    fail: () => {
      failNext = true;
    },
  };
}

/** PageUp without waiting for the screen's reads (one of them is held). */
async function pageUp(h: Harness, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    h.input.write(PAGE_UP);
    await tick();
  }
}

/** The first body row (right of the sidebar). */
const topRow = (h: Harness) => h.rows()[1]!.split('│')[1]!;

describe('ui screen: paging back through a long conversation', () => {
  afterEach(destroyAll);

  it('reaches the first message, and says there that it is the beginning', async () => {
    const h = await long(300);
    for (let i = 0; i < 40 && !/message 0\b/.test(screenText(h)); i++) await h.type(PAGE_UP);
    assert.match(screenText(h), /message 0\b/);
    assert.match(topRow(h), /─ beginning of the conversation ─/);
  });

  it('marks the top of a page read as having older messages above, not as a new day', async () => {
    const h = await long(300);
    const g = gate(h);
    g.hold();
    await pageUp(h, 4);
    // The newest page's first message is at the top, its older neighbours not read yet.
    assert.match(screenText(h), new RegExp(`message ${300 - PAGE_SIZE}\\b`));
    assert.match(topRow(h), /↑ older: PgUp · Tue 4 Mar 2025/);
    assert.doesNotMatch(screenText(h), /beginning of the conversation/);
    g.release();
    await h.settle();
  });

  it('counts PageUps pressed while an older page is read: they go on into it', async () => {
    const h = await long(300);
    const g = gate(h);
    g.hold();
    await pageUp(h, 8);
    g.release();
    await h.settle();
    // Eight pages of the body's height back from the newest: far into the page just read.
    assert.match(screenText(h), /message 2[23]\d\b/, screenText(h));
  });

  it('asks for the older page again after a read of it failed', async () => {
    const h = await long(300);
    const g = gate(h);
    g.fail();
    await h.type(PAGE_UP);
    await h.type(PAGE_UP); // the top of the newest page: the older one is asked for, and fails
    assert.match(topRow(h), /↑ older: PgUp/);
    await h.type(PAGE_UP);
    await h.type(PAGE_UP);
    assert.match(screenText(h), /message 2[0-5]\d\b/, 'into the older page');
  });
});
