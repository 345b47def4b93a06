import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directConversation, groupConversation } from '../../../../src/peer/conversations/ids.js';
import { History, type HistoryEntry } from '../../../../src/peer/messaging/history.js';
import { type HistoryItem, isGroupEvent } from '../../../../src/peer/messaging/history-events.js';
import { type PageAt, readPage } from '../../../../src/peer/messaging/history-pages.js';
import { type Kv, LevelKv, MemoryKv, PeerStore } from '../../../../src/peer/store.js';

const BOB = directConversation('bob');
const GID = 'ab'.repeat(16);
const TEAM = groupConversation(GID);

const entry = (conversation: typeof BOB, i: number): HistoryEntry => ({
  conversation,
  direction: 'in',
  msgId: `m${i}`,
  peer: { pseudonym: 'bob', userId: 'b0b' },
  text: `message ${i}`,
  sentAtMs: 1_000 + i,
  receivedAtMs: 1_000 + i,
});

const said = (items: HistoryItem[]) =>
  items.map((e) => (isGroupEvent(e) ? `event ${e.seq}` : e.text.replace('message ', '')));

/** Pages through `conversation` from the newest to the first, by cursor: what each read held. */
async function pageBack(store: PeerStore, conversation: typeof BOB, limit: number) {
  const pages: string[][] = [];
  let at: PageAt = { newest: true };
  for (;;) {
    const page = await readPage(store, conversation, at, limit);
    pages.push(said(page.items));
    const first = page.cursors[0];
    if (!page.older || first === undefined) return pages;
    at = { before: first };
  }
}

const stores: [string, () => Promise<{ kv: Kv; done: () => Promise<void> }>][] = [
  ['memory', async () => ({ kv: new MemoryKv(), done: async () => undefined })],
  [
    'LevelDB',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'natter-pages-'));
      const kv = await LevelKv.open(join(dir, 'db'), dir, 0);
      return { kv, done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [name, open] of stores) {
  describe(`peer history pages by cursor (${name})`, () => {
    let store: PeerStore;
    let history: History;
    let done: () => Promise<void>;

    beforeEach(async () => {
      const opened = await open();
      store = new PeerStore(opened.kv);
      done = opened.done;
      history = await History.load(store);
    });

    afterEach(async () => {
      await store.close();
      await done();
    });

    async function fill(conversation: typeof BOB, count: number): Promise<void> {
      const ops = [];
      for (let i = 0; i < count; i++)
        ops.push(...history.appendOps(entry(conversation, i), { atMs: 1_000 + i }));
      await store.write(ops);
    }

    it('reads each entry once from the newest page to the first, each page before the last', async () => {
      await fill(BOB, 25);
      const pages = await pageBack(store, BOB, 10);
      assert.deepEqual(pages, [
        ['15', '16', '17', '18', '19', '20', '21', '22', '23', '24'],
        ['5', '6', '7', '8', '9', '10', '11', '12', '13', '14'],
        ['0', '1', '2', '3', '4'],
      ]);
    });

    it('says exactly whether older or newer entries are kept', async () => {
      await fill(BOB, 20);
      const newest = await readPage(store, BOB, { newest: true }, 20);
      assert.deepEqual([newest.older, newest.newer], [false, false], 'all of it: nothing else');
      const top = await readPage(store, BOB, { newest: true }, 10);
      assert.deepEqual([top.older, top.newer], [true, false]);
      const first = await readPage(store, BOB, { before: top.cursors[0]! }, 10);
      assert.deepEqual([first.older, first.newer], [false, true], 'the first ten: none older');
      const next = await readPage(store, BOB, { after: first.cursors[9]! }, 10);
      assert.deepEqual(said(next.items), said(top.items), 'after the page before: the same page');
      assert.deepEqual([next.older, next.newer], [true, false]);
      const part = await readPage(store, BOB, { after: first.cursors[4]! }, 3);
      assert.deepEqual(said(part.items), ['5', '6', '7']);
      assert.deepEqual([part.older, part.newer], [true, true]);
    });

    it('reads a page around a message: it, up to half a page after it, the rest before', async () => {
      await fill(BOB, 100);
      const around = await readPage(store, BOB, { around: entry(BOB, 40) }, 10);
      assert.deepEqual(said(around.items), [
        '35',
        '36',
        '37',
        '38',
        '39',
        '40',
        '41',
        '42',
        '43',
        '44',
      ]);
      assert.deepEqual([around.older, around.newer], [true, true]);
      const late = await readPage(store, BOB, { around: entry(BOB, 98) }, 10);
      assert.deepEqual(said(late.items), [
        '90',
        '91',
        '92',
        '93',
        '94',
        '95',
        '96',
        '97',
        '98',
        '99',
      ]);
      assert.deepEqual([late.older, late.newer], [true, false]);
      const early = await readPage(store, BOB, { around: entry(BOB, 1) }, 10);
      assert.deepEqual(said(early.items), ['0', '1', '2', '3', '4', '5']);
      assert.deepEqual([early.older, early.newer], [false, true]);
      const gone = await readPage(store, BOB, { around: entry(BOB, 500) }, 3);
      assert.deepEqual(said(gone.items), ['97', '98', '99'], 'a message not kept: the newest page');
      const elsewhere = await readPage(
        store,
        directConversation('carol'),
        { around: entry(BOB, 40) },
        3,
      );
      assert.deepEqual(
        elsewhere.items,
        [],
        "another conversation's message is not looked for there",
      );
    });

    it("merges a group's change lines with its messages in order across page boundaries", async () => {
      const message = (i: number, atMs: number) =>
        history.appendOps({ ...entry(TEAM, i), conversation: TEAM }, { atMs });
      const event = (seq: number, atMs: number) =>
        history.eventOps({
          kind: 'event',
          conversation: TEAM,
          groupId: GID,
          seq,
          notice: { kind: 'renamed', by: 'alice', from: '', to: `n${seq}` },
          atMs,
        });
      // Two at one millisecond keep the order they were written in (the local counter).
      await store.write([...(await event(0, 5)), ...message(1, 5), ...message(2, 7)]);
      await store.write([...(await event(1, 7)), ...message(3, 9), ...(await event(2, 9))]);
      await store.write([...message(4, 11), ...message(5, 12)]);
      const whole = said(await history.timeline(TEAM, 100));
      assert.deepEqual(whole, ['event 0', '1', '2', 'event 1', '3', 'event 2', '4', '5']);
      for (const limit of [1, 2, 3, 5]) {
        const pages = await pageBack(store, TEAM, limit);
        assert.deepEqual(pages.reverse().flat(), whole, `pages of ${limit}`);
      }
      const newest = await readPage(store, TEAM, { newest: true }, 3);
      const forward = [...said(newest.items)];
      let page = await readPage(store, TEAM, { before: newest.cursors[0]! }, 3);
      const back = page.cursors[0]!;
      page = await readPage(store, TEAM, { after: back }, 2);
      assert.deepEqual(said(page.items), ['event 1', '3'], 'after a cursor: both ranges merged');
      assert.deepEqual(forward, ['event 2', '4', '5']);
    });
  });
}
