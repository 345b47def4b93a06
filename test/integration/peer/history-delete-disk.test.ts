/**
 * Deleted history leaves the profile's files, not only what the store reads back: a real
 * LevelDB in a temp dir, its files searched byte by byte for the deleted text.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConversationId, directConversation } from '../../../src/peer/conversations/ids.js';
import { History } from '../../../src/peer/messaging/history.js';
import { type DeletionParts, deleteHistory } from '../../../src/peer/messaging/history-delete.js';
import { PeerStore } from '../../../src/peer/store.js';
import { incomingEntry } from '../../helpers/history-entries.js';

const BOB = 'b0'.repeat(32);
const CAROL = 'c0'.repeat(32);
const bob = directConversation('bob');
const carol = directConversation('carol');

/**
 * Whether any file under `dir` holds `text`'s bytes. Tables are compressed (Snappy), which
 * leaves a text's bytes as they are unless they repeat earlier ones: each message below
 * is its marker and a tail, and the marker is what is looked for.
 */
async function onDisk(dir: string, text: string): Promise<boolean> {
  const needle = Buffer.from(text, 'utf8');
  for (const name of await readdir(dir)) {
    if ((await readFile(join(dir, name))).includes(needle)) return true;
  }
  return false;
}

describe('peer/history-delete on disk', function () {
  this.timeout(30_000);
  let dir = '';
  let store: PeerStore | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-hdel-'));
  });
  afterEach(async () => {
    await store?.close();
    store = null;
    await rm(dir, { recursive: true, force: true });
  });

  async function open() {
    store = await PeerStore.open(dir, dir);
    const history = await History.load(store);
    const parts: DeletionParts = { store, history, queued: () => false };
    const add = (conversation: ConversationId, from: string, at: number, text: string) => {
      const entry = { ...incomingEntry(conversation, from, at), text: `${text} (end)` };
      return store?.write(history.appendOps(entry, { atMs: at, unread: true }));
    };
    return { parts, add };
  }

  it('leaves no deleted text in the files, from the tables or the log', async () => {
    let { add } = await open();
    await add(bob, BOB, 10, 'tabled Kq7Zs9Wm');
    await add(carol, CAROL, 11, 'staying Xv3Lp8Rt');
    // Reopened: LevelDB moves the log into a table, so the first text is in a table...
    await store?.close();
    const opened = await open();
    add = opened.add;
    // ...and this one only in the log.
    await add(bob, BOB, 12, 'logged Hd2Nf6Jy');
    assert.ok(await onDisk(dir, 'tabled Kq7Zs9Wm'), 'the search sees a table');
    assert.ok(await onDisk(dir, 'logged Hd2Nf6Jy'), 'the search sees the log');

    const done = await deleteHistory(opened.parts, bob, 100);

    assert.equal(done.messages, 2);
    assert.equal(await onDisk(dir, 'tabled Kq7Zs9Wm'), false);
    assert.equal(await onDisk(dir, 'logged Hd2Nf6Jy'), false);
    assert.ok(await onDisk(dir, 'staying Xv3Lp8Rt'), 'carol’s message stays');
  });
});
