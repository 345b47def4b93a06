import assert from 'node:assert/strict';
import { groupConversation } from '../../../src/peer/conversations/ids.js';
import {
  type GroupEventEntry,
  type HistoryEntry,
  type HistoryItem,
  type HistoryPage,
  isGroupEvent,
  type PageAt,
  type ReceivedMessage,
} from '../../../src/peer/index.js';
import { ConversationView, receivedEntry } from '../../../src/peer/ui/history-view.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';

const BOB = conversationIdOf('bob');

const received = (msgId: string, over: Partial<ReceivedMessage> = {}): ReceivedMessage => ({
  conversation: BOB,
  from: { pseudonym: 'bob', userId: 'b0b', fingerprint: 'ffff' },
  text: `text of ${msgId}`,
  sentAtMs: 1_000,
  receivedAtMs: 2_000,
  msgId,
  ...over,
});

const sent = (msgId: string, state: HistoryEntry['state'] = 'queued'): HistoryEntry => ({
  conversation: BOB,
  direction: 'out',
  msgId,
  peer: { pseudonym: 'bob', userId: 'b0b' },
  text: `text of ${msgId}`,
  sentAtMs: 1_500,
  ...(state === undefined ? {} : { state }),
});

/** The view's entries, every one a message (these tests hold no group changes). */
function messages(v: ConversationView): HistoryEntry[] {
  return v.entries.map((e) => {
    assert.ok(!isGroupEvent(e));
    return e;
  });
}

/** `items` as a page that is the whole conversation. */
const pageOf = (items: HistoryItem[]): HistoryPage => ({
  items,
  cursors: items.map((_, i) => String(i)),
  older: false,
  newer: false,
});

/** A read that answers when the test says so. */
function deferredRead(entries: HistoryItem[]) {
  let answer: () => void = () => undefined;
  const fetch = (_at: PageAt, _limit: number) =>
    new Promise<HistoryPage>((resolve) => {
      answer = () => resolve(pageOf(structuredClone(entries)));
    });
  return { fetch, answer: () => answer() };
}

describe('ui history view: the open conversation, kept current by events', () => {
  it('makes the same entry from message:received as the core stores', () => {
    assert.deepEqual(receivedEntry(received('m1')), {
      conversation: BOB,
      direction: 'in',
      msgId: 'm1',
      peer: { pseudonym: 'bob', userId: 'b0b' },
      text: 'text of m1',
      sentAtMs: 1_000,
      receivedAtMs: 2_000,
    });
  });

  it('appends messages of its conversation once, and moves its own messages on', async () => {
    const v = new ConversationView(50);
    v.show(BOB);
    await v.load(
      async () => pageOf([sent('o1')]),
      () => true,
    );
    assert.equal(v.received(received('m1')), true);
    assert.equal(v.received(received('m1')), false, 'a second copy changes nothing');
    assert.equal(v.received(received('c1', { conversation: conversationIdOf('carol') })), false);
    assert.equal(v.outgoing({ conversation: BOB, msgId: 'o1', state: 'stored' }), true);
    assert.equal(
      v.outgoing({ conversation: BOB, msgId: 'o1', state: 'failed', reason: 'x' }),
      true,
    );
    assert.equal(v.outgoing({ conversation: BOB, msgId: 'older', state: 'delivered' }), false);
    assert.equal(v.outgoing({ conversation: BOB, msgId: 'm1', state: 'delivered' }), false, 'in');
    assert.deepEqual(
      messages(v).map((e) => [e.msgId, e.state, e.reason]),
      [
        ['o1', 'failed', 'x'],
        ['m1', undefined, undefined],
      ],
    );
  });

  it('never changes an entry it was given: a new state is a new entry', async () => {
    const v = new ConversationView(50);
    v.show(BOB);
    const mine = [sent('o1')];
    await v.load(
      async () => pageOf(mine),
      () => true,
    );
    v.outgoing({ conversation: BOB, msgId: 'o1', state: 'delivered' });
    assert.equal(mine[0]!.state, 'queued');
    assert.equal(messages(v)[0]!.state, 'delivered');
  });

  it('applies events that arrive during a read to its result, which may predate them', async () => {
    const v = new ConversationView(50);
    v.show(BOB);
    const read = deferredRead([sent('o1', 'queued')]);
    const loading = v.load(read.fetch, () => true);
    v.received(received('m1'));
    v.outgoing({ conversation: BOB, msgId: 'o1', state: 'stored' });
    v.outgoing({ conversation: BOB, msgId: 'o1', state: 'delivered' });
    read.answer();
    assert.equal(await loading, true);
    assert.deepEqual(
      messages(v).map((e) => [e.msgId, e.state]),
      [
        ['o1', 'delivered'],
        ['m1', undefined],
      ],
    );
  });

  it('does not add twice a message that both an event and the read brought', async () => {
    const v = new ConversationView(50);
    v.show(BOB);
    const first = deferredRead([sent('o1', 'stored'), receivedEntry(received('m1'))]);
    const loading = v.load(first.fetch, () => true);
    v.received(received('m1'));
    first.answer();
    await loading;
    assert.deepEqual(
      messages(v).map((e) => e.msgId),
      ['o1', 'm1'],
    );
  });

  it('adds a group change once, by its group and log seq, whether the event or the read brought it', async () => {
    const TEAM = groupConversation('7'.repeat(32));
    const change = (seq: number): GroupEventEntry => ({
      kind: 'event',
      conversation: TEAM,
      groupId: '7'.repeat(32),
      seq,
      notice: { kind: 'left', member: 'bob' },
      atMs: 3_000 + seq,
    });
    const v = new ConversationView(50);
    v.show(TEAM);
    const first = deferredRead([change(1)]);
    const loading = v.load(first.fetch, () => true);
    assert.equal(v.event(change(1)), true);
    assert.equal(v.event(change(2)), true);
    assert.equal(v.event(change(2)), false, 'the same change again');
    assert.equal(v.event({ ...change(3), conversation: BOB }), false, 'another conversation');
    first.answer();
    await loading;
    assert.deepEqual(
      v.entries.map((e) => (isGroupEvent(e) ? e.seq : e.msgId)),
      [1, 2],
    );
  });

  it('drops a read overtaken by a later one, or by a switch to another conversation', async () => {
    const v = new ConversationView(50);
    v.show(BOB);
    const slow = deferredRead([sent('old')]);
    const first = v.load(slow.fetch, () => true);
    assert.equal(
      await v.load(
        async () => pageOf([sent('new')]),
        () => true,
      ),
      true,
    );
    slow.answer();
    assert.equal(await first, false);
    assert.deepEqual(
      messages(v).map((e) => e.msgId),
      ['new'],
    );
    const other = deferredRead([sent('carol')]);
    const switched = v.load(other.fetch, () => true);
    v.show(conversationIdOf('carol'));
    other.answer();
    assert.equal(await switched, false);
    assert.deepEqual(v.entries, []);
    assert.equal(v.received(received('m2')), false, 'bob is no longer shown');
  });
});
