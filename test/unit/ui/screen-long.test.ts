/**
 * A long message on the screen (harness.ts): collapsed to its first rows with a note,
 * /expand shows it whole from its start, paging goes through it, /collapse folds it,
 * and /search with /open finds text in the part not shown. And Tab in input of
 * several lines, which is never a command.
 */
import assert from 'node:assert/strict';
import { COLLAPSED_ROWS } from '../../../src/peer/ui/collapse.js';
import { contact } from './fake-core.js';
import { destroyAll, type Harness, noticeText, screenText, start } from './harness.js';

const PAGE_UP = '\x1b[5~';
const PAGE_DOWN = '\x1b[6~';
/** About 60 KB: 625 lines of 96 characters, a few of them marked to be found. */
const LONG = Array.from(
  { length: 625 },
  (_, i) =>
    `line ${String(i + 1).padStart(3, '0')} ${i === 499 ? 'kumquat' : 'x'.repeat(7)} ${'y'.repeat(79)}`,
).join('\n');

/** The numbers of the long message's lines on screen, in order. */
const numbers = (text: string) => [...text.matchAll(/line (\d{3}) /g)].map((m) => Number(m[1]));

function withLong(): Promise<Harness> {
  return start({
    setup: (core) => {
      core.contactList = [contact('bob')];
      core.receive('bob', 'before the paste');
      core.receive('bob', LONG);
      core.receive('bob', 'after the paste');
    },
  });
}

async function opened(): Promise<Harness> {
  const h = await withLong();
  h.app.open('bob');
  await h.settle();
  return h;
}

describe('ui screen: a long message', () => {
  afterEach(destroyAll);

  it('is collapsed to its first rows and a note, the messages around it in view', async () => {
    const h = await opened();
    const text = screenText(h);
    assert.match(text, /bob: before the paste/);
    assert.match(text, /bob: line 001 /);
    assert.match(text, /\n *│ {6}… \d+ more lines \(\/expand\)/);
    assert.match(text, /bob: after the paste/);
    assert.doesNotMatch(text, new RegExp(`line ${String(COLLAPSED_ROWS + 1).padStart(3, '0')}`));
  });

  it('/expand shows it whole from its start; PageDown reads on; /collapse folds it', async () => {
    const h = await opened();
    await h.type('/expand\r');
    assert.match(h.rows()[1]!, /│\d\d:\d\d bob: line 001 /, 'its first line at the top');
    assert.match(h.rows()[0]!, /scrolled, PgDn/);
    assert.match(noticeText(h), /the whole message, from its start/);
    const before = numbers(screenText(h));
    await h.type(PAGE_DOWN);
    const after = numbers(screenText(h));
    assert.ok(after[0]! > before[0]!, 'a page on');
    assert.ok(after[0]! <= before.at(-1)! + 1, 'no line skipped');
    for (let i = 0; i < 200 && /scrolled/.test(h.rows()[0]!); i++) await h.type(PAGE_DOWN);
    assert.match(screenText(h), /line 625 [\s\S]*bob: after the paste/, 'down to its end');
    await h.type('/collapse\r');
    assert.match(noticeText(h), /folded 1 long message/);
    assert.match(screenText(h), /… \d+ more lines \(\/expand\)[\s\S]*after the paste/);
  });

  it('pages over a collapsed message to what is above it and back', async () => {
    const h = await opened();
    await h.type(PAGE_UP);
    await h.type(PAGE_UP);
    assert.match(screenText(h), /before the paste/);
    await h.type(PAGE_DOWN);
    await h.type(PAGE_DOWN);
    await h.type(PAGE_DOWN);
    assert.match(screenText(h), /more lines \(\/expand\)[\s\S]*after the paste/);
    assert.doesNotMatch(h.rows()[0]!, /scrolled/);
  });

  it('/expand with no long message in view says so', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.core.receive('bob', 'short');
    h.app.open('bob');
    await h.settle();
    await h.type('/expand\r');
    assert.match(noticeText(h), /no collapsed message here/);
  });

  it('/search finds text in the part not shown, and /open shows it there', async () => {
    const h = await withLong();
    await h.type('/search kumquat\r');
    assert.match(screenText(h), /1\. .* \[bob\] bob: …line 500 kumquat/);
    await h.type('/open 1\r');
    assert.match(screenText(h), /line 500 kumquat/);
    assert.match(h.rows()[0]!, /│ bob /);
  });
});

describe('ui screen: Tab in input of several lines', () => {
  afterEach(destroyAll);

  it('completes no command: the text is a message whatever it starts with', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.app.open('bob');
    await h.settle();
    // '/se', a new line (Ctrl-J), 'x', then the cursor back after '/se'.
    await h.type('/se\nx\x1b[D\x1b[D\t');
    assert.equal(h.app.editor.text, '/se\nx');
    assert.match(noticeText(h), /no match/);
    await h.type('\x1b[F\x1b[C\x1b[C b\t');
    assert.equal(h.app.editor.text, '/se\nx bob ', 'a name completes, as in a message');
  });
});
