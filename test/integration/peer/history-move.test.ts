/**
 * A renamed contact's history follows them (messaging/history-move.ts), on a real LevelDB in
 * a temp dir: a QA trial found carol, who registered the name bob had left for robert,
 * writing into bob's conversation, one history with two people in it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safetyNumber } from '../../../src/crypto/safety.js';
import { Contacts } from '../../../src/peer/contacts.js';
import { type ConversationId, directConversation } from '../../../src/peer/conversations/ids.js';
import { type PeerEventMap, PeerEvents } from '../../../src/peer/events.js';
import { History, type HistoryEntry } from '../../../src/peer/messaging/history.js';
import {
  HISTORY_MOVE_CHUNK_ENTRIES,
  HistoryMoves,
} from '../../../src/peer/messaging/history-move.js';
import { type KvOp, LevelKv, PeerStore, PREFIX } from '../../../src/peer/store.js';
import { toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { incomingEntry, nextMsgId } from '../../helpers/history-entries.js';
import { person } from '../../helpers/peer-fixtures.js';

const me = person('me');
const bobConv = directConversation('bob');
const robertConv = directConversation('robert');

describe('peer/history-move: a renamed contact’s history follows them', function () {
  this.timeout(60_000);
  let dir = '';
  let store: PeerStore | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-hmove-'));
  });
  afterEach(async () => {
    await store?.close();
    store = null;
    await rm(dir, { recursive: true, force: true });
  });

  /** The profile's parts over the LevelDB in `dir` (a Kv of the test's own when given). */
  async function open(kv?: LevelKv | FailingKv) {
    await store?.close();
    store = kv === undefined ? await PeerStore.open(dir, dir) : new PeerStore(kv);
    const events = new PeerEvents();
    const moved: PeerEventMap['history:moved'][] = [];
    events.on('history:moved', (e) => moved.push(e));
    const history = await History.load(store);
    const moves = new HistoryMoves(store, history, events);
    const contacts = await Contacts.load(store, events, me.id.signPk, systemClock, moves);
    const s = store;
    const add = async (entry: HistoryEntry, unread = false) => {
      await s.write(history.appendOps(entry, { atMs: entry.sentAtMs, unread }));
      return entry;
    };
    return { store: s, history, moves, contacts, moved, add };
  }

  const outgoing = (conversation: ConversationId, to: string, at: number): HistoryEntry => ({
    conversation,
    direction: 'out',
    msgId: nextMsgId(),
    peer: { pseudonym: 'bob', userId: to },
    text: `to bob at ${at}`,
    sentAtMs: at,
    state: 'stored',
  });

  const texts = async (h: History, c: ConversationId) =>
    (await h.list(c)).map((e) => [e.conversation, e.peer.pseudonym, e.text]);

  it('moves the old name’s history to the new name once the relay confirms it; the next holder starts empty', async () => {
    const bob = person('bob');
    const p = await open();
    await p.contacts.observe(bob.card, { delivered: true });
    const hers = toHex(bob.id.signPk);
    const first = await p.add(incomingEntry(bobConv, hers, 10), true);
    const mine = await p.add(outgoing(bobConv, hers, 11));

    // robert's card from the relay (a lookup): the rename is confirmed, the move decided.
    await p.contacts.observe(person('robert', bob.id).card);
    // carol took the freed name and writes before the move ran: hers stays under 'bob'.
    const carol = person('bob');
    assert.equal(await p.contacts.observe(carol.card, { delivered: true }), 'new');
    await p.add(incomingEntry(bobConv, toHex(carol.id.signPk), 12, 'bob'), true);
    await p.moves.idle();

    assert.deepEqual(await texts(p.history, bobConv), [[bobConv, 'bob', 'hello at 12']]);
    assert.deepEqual(await texts(p.history, robertConv), [
      [robertConv, 'bob', 'hello at 10'],
      [robertConv, 'bob', 'to bob at 11'],
    ]);
    assert.deepEqual(p.moved, [{ from: bobConv, to: robertConv, messages: 2 }]);
    // Found by id where it is now, and updated there (a late receipt).
    assert.equal((await p.history.incoming(hers, first.msgId))?.conversation, robertConv);
    assert.equal((await p.history.update(mine.msgId, 'delivered'))?.conversation, robertConv);
    // The unread mark followed: `inbox` shows bob's message (under robert) and carol's.
    assert.deepEqual(
      (await p.history.unread()).map((u) => [u.entry.conversation, u.entry.text]),
      [
        [robertConv, 'hello at 10'],
        [bobConv, 'hello at 12'],
      ],
    );

    // After a restart: the same, and nothing left to move.
    const again = await open();
    await again.moves.finish(again.contacts.list());
    assert.deepEqual(await texts(again.history, bobConv), [[bobConv, 'bob', 'hello at 12']]);
    assert.equal((await again.history.list(robertConv)).length, 2);
    assert.equal((await again.history.outgoing(mine.msgId))?.state, 'delivered');
    assert.deepEqual(again.moved, []);
    assert.deepEqual(await keysUnder(again.store, PREFIX.historyMove), []);
  });

  it('moves only the contact’s entries: another key’s under the name before the confirmation stays', async () => {
    const bob = person('bob');
    const p = await open();
    await p.contacts.observe(bob.card, { delivered: true });
    const hers = toHex(bob.id.signPk);
    await p.add(incomingEntry(bobConv, hers, 10));
    // Another key's message filed under the name already (seq below the move's), and an
    // outgoing one not yet resolved to a key: the first is not bob's, the second is.
    const other = toHex(person('bob').id.signPk);
    await p.add(incomingEntry(bobConv, other, 11, 'bob'));
    await p.add(outgoing(bobConv, '', 12));
    await p.contacts.observe(person('robert', bob.id).card);
    await p.moves.idle();
    assert.deepEqual(await texts(p.history, bobConv), [[bobConv, 'bob', 'hello at 11']]);
    assert.deepEqual(await texts(p.history, robertConv), [
      [robertConv, 'bob', 'hello at 10'],
      [robertConv, 'bob', 'to bob at 12'],
    ]);
  });

  it('keeps the history under the old name while the rename is unconfirmed (mail only)', async () => {
    const bob = person('bob');
    const p = await open();
    await p.contacts.observe(bob.card, { delivered: true });
    await p.add(incomingEntry(bobConv, toHex(bob.id.signPk), 10));
    await p.contacts.observe(person('robert', bob.id).card, { delivered: true });
    await p.moves.idle();
    assert.equal((await p.history.list(bobConv)).length, 1);
    assert.deepEqual(p.moved, []);
  });

  it('moves it when the user accepts another key under an old name the relay never confirmed', async () => {
    const bob = person('bob');
    const p = await open();
    await p.contacts.observe(bob.card, { delivered: true });
    await p.add(incomingEntry(bobConv, toHex(bob.id.signPk), 10));
    await p.contacts.observe(person('robert', bob.id).card, { delivered: true });
    const carol = person('bob');
    assert.equal(await p.contacts.observe(carol.card, { delivered: true }), 'changed');
    await p.contacts.trust('bob', safetyNumber(me.id.signPk, carol.id.signPk));
    // Her message, held for the key change, released after the trust.
    await p.add(incomingEntry(bobConv, toHex(carol.id.signPk), 12));
    await p.moves.idle();
    assert.deepEqual(await texts(p.history, robertConv), [[robertConv, 'bob', 'hello at 10']]);
    assert.deepEqual(await texts(p.history, bobConv), [[bobConv, 'bob', 'hello at 12']]);
  });

  it('finishes a move a crash stopped halfway at the next open: nothing lost, nothing twice', async () => {
    const bob = person('bob');
    const hers = toHex(bob.id.signPk);
    const count = HISTORY_MOVE_CHUNK_ENTRIES * 2 + 500;
    const failing = new FailingKv(await LevelKv.open(dir, dir));
    const p = await open(failing);
    await p.contacts.observe(bob.card, { delivered: true });
    const ops: KvOp[] = [];
    for (let i = 0; i < count; i++) {
      const e = incomingEntry(bobConv, hers, 1_000 + i);
      ops.push(...p.history.appendOps(e, { atMs: e.sentAtMs, unread: i % 2 === 0 }));
    }
    await p.store.write(ops);
    // The contact's batch (1) and the move's first (2) are written; its second (3) fails,
    // as if the process died there.
    failing.failAfter(3);
    await p.contacts.observe(person('robert', bob.id).card);
    await p.moves.idle();
    assert.equal((await keysUnder(p.store, PREFIX.historyMove)).length, 1, 'the marker stays');
    assert.equal((await keysUnder(p.store, PREFIX.history)).length, count, 'each one somewhere');
    const half = await p.history.list(robertConv, count);
    assert.equal(half.length, HISTORY_MOVE_CHUNK_ENTRIES, 'the first batch moved');
    await p.store.close().catch(() => undefined);
    store = null;

    const again = await open();
    await again.moves.finish(again.contacts.list());
    assert.equal((await again.history.list(bobConv)).length, 0);
    const moved = await again.history.list(robertConv, count + 10);
    assert.equal(moved.length, count);
    assert.equal(new Set(moved.map((e) => e.msgId)).size, count, 'no entry twice');
    for (const e of moved.slice(0, 50))
      assert.equal((await again.history.incoming(hers, e.msgId))?.conversation, robertConv);
    const unread = await again.history.unread();
    assert.equal(unread.length, count / 2);
    assert.ok(unread.every((u) => u.entry.conversation === robertConv));
    assert.deepEqual(await keysUnder(again.store, PREFIX.historyMove), []);
  });

  it('moves, at open, the history of a name left before moves existed', async () => {
    const bob = person('bob');
    const p = await open();
    // An older natter: the rename confirmed, no move with it.
    const old = await Contacts.load(p.store, new PeerEvents(), me.id.signPk);
    await old.observe(bob.card, { delivered: true });
    await p.add(incomingEntry(bobConv, toHex(bob.id.signPk), 10));
    await old.observe(person('robert', bob.id).card);
    const again = await open();
    await again.moves.finish(again.contacts.list());
    assert.deepEqual(await texts(again.history, robertConv), [[robertConv, 'bob', 'hello at 10']]);
    assert.equal((await again.history.list(bobConv)).length, 0);
  });
});

async function keysUnder(s: PeerStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const [key] of s.kv.entries({ gte: prefix, lt: `${prefix}\xff` })) keys.push(key);
  return keys;
}

/** A LevelKv whose batches fail from the `n`th after failAfter(n): a process dying there. */
class FailingKv {
  private left = Number.POSITIVE_INFINITY;

  constructor(private readonly inner: LevelKv) {}

  failAfter(n: number): void {
    this.left = n;
  }

  get = (key: string) => this.inner.get(key);
  getBytes = (key: string) => this.inner.getBytes(key);
  entries = (range: Parameters<LevelKv['entries']>[0]) => this.inner.entries(range);
  entriesBytes = (range: Parameters<LevelKv['entriesBytes']>[0]) => this.inner.entriesBytes(range);
  compact = (range: { gte: string; lt: string }) => this.inner.compact(range);
  close = () => this.inner.close();

  batch(ops: KvOp[], options: { sync: boolean }): Promise<void> {
    if (--this.left <= 0) return Promise.reject(new Error('the process died here'));
    return this.inner.batch(ops, options);
  }
}
