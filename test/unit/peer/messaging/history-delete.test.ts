import assert from 'node:assert/strict';
import {
  type ConversationId,
  directConversation,
  groupConversation,
} from '../../../../src/peer/conversations/ids.js';
import { History, type HistoryEntry } from '../../../../src/peer/messaging/history.js';
import {
  countHistory,
  type DeletionParts,
  deleteHistory,
  HISTORY_DELETE_CHUNK_ENTRIES,
  resumeHistoryDeletions,
} from '../../../../src/peer/messaging/history-delete.js';
import { hasEvent } from '../../../../src/peer/messaging/history-events.js';
import { type KvOp, MemoryKv, PeerStore, PREFIX, putJson } from '../../../../src/peer/store.js';
import { incomingEntry, nextMsgId } from '../../../helpers/history-entries.js';

const BOB = 'b0'.repeat(32);
const CAROL = 'c0'.repeat(32);
const GID = '9a'.repeat(16);
const bob = directConversation('bob');
const carol = directConversation('carol');
const team = groupConversation(GID);

const incoming = (conversation: ConversationId, from: string, at: number) =>
  incomingEntry(conversation, from, at);
const nextId = nextMsgId;

function outgoing(conversation: ConversationId, at: number): HistoryEntry {
  return {
    conversation,
    direction: 'out',
    msgId: nextId(),
    peer: { pseudonym: 'bob', userId: BOB },
    text: `mine at ${at}`,
    sentAtMs: at,
    state: 'stored',
  };
}

/** Keys that point at a history key, and whether what they point at is there. */
async function dangling(kv: MemoryKv): Promise<string[]> {
  const out: string[] = [];
  for (const prefix of [
    PREFIX.historyById,
    PREFIX.historyById2,
    PREFIX.unread,
    PREFIX.historyEventById,
  ]) {
    for await (const [key, value] of kv.entries({ gte: prefix, lt: `${prefix}\xff` })) {
      if ((await kv.get(JSON.parse(value) as string)) === undefined) out.push(key);
    }
  }
  return out;
}

async function setup(queued: Set<string> = new Set()) {
  const kv = new MemoryKv();
  const store = new PeerStore(kv);
  const history = await History.load(store);
  const parts: DeletionParts = { store, history, queued: (id) => queued.has(id) };
  const add = (e: HistoryEntry, at: number, unread = e.direction === 'in') =>
    store.write(history.appendOps(e, { atMs: at, unread }));
  return { kv, store, history, parts, add, queued };
}

describe('peer/history-delete', () => {
  it('deletes a contact’s messages with their id keys and unread marks, and nothing of others', async () => {
    const { kv, store, history, parts, add } = await setup();
    const fromBob = incoming(bob, BOB, 10);
    await add(fromBob, 10);
    await add(outgoing(bob, 11), 11);
    await add(incoming(carol, CAROL, 12), 12);
    const seq = await store.get(`${PREFIX.meta}seq`);

    const done = await deleteHistory(parts, bob, 100);

    assert.deepEqual(done, { messages: 2, events: 0, kept: 0, beforeMs: 100 });
    assert.deepEqual(await history.list(bob), []);
    assert.equal((await history.list(carol)).length, 1);
    assert.equal(await history.incoming(BOB, fromBob.msgId), undefined);
    assert.deepEqual(
      (await history.unread()).map((u) => u.entry.conversation),
      [carol],
      'only carol’s message is still unread',
    );
    assert.deepEqual(await dangling(kv), []);
    assert.equal(await store.get(`${PREFIX.meta}seq`), seq, 'the local counter never goes back');
    assert.equal([...kv.data.keys()].filter((k) => k.startsWith(PREFIX.historyDelete)).length, 0);
  });

  it('deletes only the entries kept before the time given', async () => {
    const { history, parts, add } = await setup();
    await add(incoming(bob, BOB, 10), 10);
    await add(incoming(bob, BOB, 20), 20);
    await add(outgoing(bob, 30), 30);

    const done = await deleteHistory(parts, bob, 20);

    assert.equal(done.messages, 1);
    assert.deepEqual(
      (await history.list(bob)).map((e) => e.sentAtMs),
      [20, 30],
    );
    assert.equal((await history.unread()).length, 1);
  });

  it('leaves my messages still in the outbox, line and id key, and counts them as kept', async () => {
    const queued = new Set<string>();
    const { history, parts, add } = await setup(queued);
    const waiting = { ...outgoing(bob, 10), state: 'queued' as const };
    queued.add(waiting.msgId);
    await add(waiting, 10);
    await add(outgoing(bob, 11), 11);

    const done = await deleteHistory(parts, bob, 100);

    assert.deepEqual([done.messages, done.kept], [1, 1]);
    assert.deepEqual(
      (await history.list(bob)).map((e) => e.msgId),
      [waiting.msgId],
    );
    assert.equal((await history.update(waiting.msgId, 'stored'))?.state, 'stored');
  });

  it('deletes a group’s change lines and their id keys with its messages', async () => {
    const { kv, store, history, parts, add } = await setup();
    await store.write(
      await history.eventOps({
        kind: 'event',
        conversation: team,
        groupId: GID,
        seq: 1,
        notice: { kind: 'created', by: 'bob' },
        atMs: 5,
      }),
    );
    await add(incoming(team, BOB, 6), 6);

    const done = await deleteHistory(parts, team, 100);

    assert.deepEqual([done.messages, done.events], [1, 1]);
    assert.deepEqual(await history.timeline(team), []);
    assert.equal(await hasEvent(store, GID, 1), false);
    assert.deepEqual(await dangling(kv), []);
  });

  it('deletes a pre-issue-10 id key that points at the entry, and keeps one that points elsewhere', async () => {
    const { kv, store, parts, add } = await setup();
    const mine = incoming(bob, BOB, 10);
    const other = incoming(carol, CAROL, 11);
    await add(mine, 10);
    await add(other, 11);
    const keyOf = async (e: HistoryEntry) =>
      JSON.parse(
        (await store.get(`${PREFIX.historyById2}in!${e.peer.userId}!${e.msgId}`)) ?? '""',
      ) as string;
    await store.write([
      putJson(PREFIX.historyById + mine.msgId, await keyOf(mine)),
      putJson(PREFIX.historyById + nextId(), await keyOf(other)),
    ]);

    await deleteHistory(parts, bob, 100);

    assert.equal(await store.get(PREFIX.historyById + mine.msgId), undefined);
    assert.equal(
      [...kv.data.keys()].filter((k) => k.startsWith(PREFIX.historyById)).length,
      1,
      'carol’s old key stays',
    );
  });

  it('counts what it would delete and changes nothing', async () => {
    const { kv, parts, add } = await setup();
    await add(incoming(bob, BOB, 10), 10);
    await add(outgoing(bob, 11), 11);
    const before = new Map(kv.data);

    const counted = await countHistory(parts, bob, 100);

    assert.deepEqual(counted, { messages: 2, events: 0, kept: 0, beforeMs: 100 });
    assert.deepEqual(new Map(kv.data), before);
    assert.deepEqual(await deleteHistory(parts, bob, 100), counted);
  });

  it('deletes in batches of whole entries, and finishes at the next open after a crash midway', async () => {
    const kv = new FailingKv();
    const store = new PeerStore(kv);
    const history = await History.load(store);
    const parts: DeletionParts = { store, history, queued: () => false };
    const total = HISTORY_DELETE_CHUNK_ENTRIES * 2 + 500;
    const ops: KvOp[] = [];
    for (let i = 0; i < total; i++) {
      ops.push(
        ...history.appendOps(incoming(bob, BOB, 1000 + i), { atMs: 1000 + i, unread: true }),
      );
    }
    await store.write(ops);

    kv.failAfter = kv.batches + 2; // the marker and the first batch; the second one fails
    await assert.rejects(deleteHistory(parts, bob, 1_000_000));

    const left = await history.list(bob, total);
    assert.equal(left.length, total - HISTORY_DELETE_CHUNK_ENTRIES, 'the oldest batch went whole');
    assert.equal(left[0]?.sentAtMs, 1000 + HISTORY_DELETE_CHUNK_ENTRIES);
    assert.deepEqual(await dangling(kv), [], 'nothing points at a deleted entry');
    assert.equal((await history.unread()).length, left.length);

    kv.failAfter = null;
    const reopened = new PeerStore(kv);
    const again = await History.load(reopened);
    await resumeHistoryDeletions({ store: reopened, history: again, queued: () => false });
    assert.deepEqual(await again.list(bob), []);
    assert.deepEqual(await again.unread(), []);
    assert.deepEqual(await dangling(kv), []);
    assert.equal([...kv.data.keys()].filter((k) => k.startsWith(PREFIX.historyDelete)).length, 0);
  });

  it('does not let a status update that read my message before the delete put it back', async () => {
    const kv = new GatedKv();
    const store = new PeerStore(kv);
    const first = await History.load(store);
    const mine = outgoing(bob, 10);
    await store.write(first.appendOps(mine, { atMs: 10 }));
    // A history that has not this message in memory reads it from the store (the gated read).
    const history = await History.load(store);
    const key = [...kv.data.keys()].find((k) => k.startsWith(PREFIX.history))!;
    let release!: () => void;
    kv.held = { key, until: new Promise<void>((r) => (release = r)) };

    const updating = history.update(mine.msgId, 'delivered');
    const deleting = deleteHistory({ store, history, queued: () => false }, bob, 100);
    while (kv.data.has(key)) await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([updating, deleting]);

    assert.equal(kv.data.has(key), false, 'the stale read wrote nothing back');
    assert.deepEqual(await history.list(bob), []);
    assert.deepEqual(await dangling(kv), []);
  });
});

/** A MemoryKv whose batches fail once `failAfter` have been written (a process dying). */
class FailingKv extends MemoryKv {
  failAfter: number | null = null;

  override async batch(ops: KvOp[]): Promise<void> {
    if (this.failAfter !== null && this.batches >= this.failAfter) throw new Error('disk gone');
    return super.batch(ops);
  }
}

/** A MemoryKv that holds back the answer to a read of `held.key` (read before, answered later). */
class GatedKv extends MemoryKv {
  held: { key: string; until: Promise<void> } | null = null;

  override async get(key: string): Promise<string | undefined> {
    const value = await super.get(key);
    const held = this.held;
    if (held !== null && key === held.key) {
      this.held = null;
      await held.until;
    }
    return value;
  }
}
