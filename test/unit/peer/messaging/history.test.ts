import assert from 'node:assert/strict';
import { directConversation, groupConversation } from '../../../../src/peer/conversations/ids.js';
import { History, type HistoryEntry } from '../../../../src/peer/messaging/history.js';
import { type HistoryItem, isGroupEvent } from '../../../../src/peer/messaging/history-events.js';
import { MemoryKv, PeerStore, PREFIX, putJson } from '../../../../src/peer/store.js';

const ALICE = 'a1'.repeat(32);
const MALLORY = 'ee'.repeat(32);

function received(from: string, name: string, msgId: string, text: string): HistoryEntry {
  return {
    conversation: directConversation(name),
    direction: 'in',
    msgId,
    peer: { pseudonym: name, userId: from },
    text,
    sentAtMs: 2,
    receivedAtMs: 2,
  };
}

describe('peer/history', () => {
  it('numbers entries anew after a restart even when a batch made earlier was written last', async () => {
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    const history = await History.load(store);
    // A group's unit makes its entry's ops, then waits; a 1:1 batch makes and writes the next.
    const groupOps = history.appendOps(received(ALICE, 'alice', '01'.repeat(16), 'group one'), {
      unread: true,
      atMs: 10,
    });
    const directOps = history.appendOps(received(ALICE, 'alice', '02'.repeat(16), 'direct'), {
      unread: true,
      atMs: 11,
    });
    await store.write(directOps);
    await store.write(groupOps);
    await store.close();
    // The next process: its entry must not take an unread mark's number.
    const again = new PeerStore(kv);
    const later = await History.load(again);
    await again.write(
      later.appendOps(received(ALICE, 'alice', '03'.repeat(16), 'later'), {
        unread: true,
        atMs: 12,
      }),
    );
    assert.deepEqual(
      (await later.unread()).map((u) => u.entry.text).sort(),
      ['direct', 'group one', 'later'],
      'every unread mark kept',
    );
  });

  async function withOutgoing() {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const msgId = 'aa'.repeat(16);
    await store.write(
      history.appendOps(
        {
          conversation: directConversation('bob'),
          direction: 'out',
          msgId,
          peer: { pseudonym: 'bob', userId: '' },
          text: 'hi',
          sentAtMs: 1,
          state: 'queued',
        },
        { atMs: 1 },
      ),
    );
    return { history, msgId, store };
  }

  it('keeps both of two concurrent updates of one message (peer id and stored state)', async () => {
    const { history, msgId } = await withOutgoing();
    await Promise.all([
      history.update(msgId, 'queued', { peer: { pseudonym: 'bob', userId: 'bb'.repeat(32) } }),
      history.update(msgId, 'stored'),
    ]);
    const entry = await history.outgoing(msgId);
    assert.equal(entry?.state, 'stored');
    assert.equal(entry?.peer.userId, 'bb'.repeat(32));
  });

  it('never moves a message backwards: a late stored does not undo delivered', async () => {
    const { history, msgId } = await withOutgoing();
    await history.update(msgId, 'delivered');
    assert.equal(await history.update(msgId, 'stored'), undefined);
    assert.equal((await history.outgoing(msgId))?.state, 'delivered');
  });

  it("files message ids under whoever chose them: nobody else's message with my id replaces mine", async () => {
    const { history, msgId, store } = await withOutgoing();
    await store.write(
      history.appendOps(received(MALLORY, 'mallory', msgId, 'same id'), { atMs: 3 }),
    );
    assert.equal((await history.outgoing(msgId))?.text, 'hi');
    assert.equal((await history.update(msgId, 'stored'))?.state, 'stored');
    assert.equal((await history.incoming(MALLORY, msgId))?.text, 'same id');
    assert.equal(await history.incoming(ALICE, msgId), undefined);
  });

  it("keeps two senders' messages with one id apart", async () => {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const msgId = 'cc'.repeat(16);
    await store.write([
      ...history.appendOps(received(ALICE, 'alice', msgId, 'genuine'), { atMs: 1 }),
      ...history.appendOps(received(MALLORY, 'mallory', msgId, 'pre-empted'), { atMs: 2 }),
    ]);
    assert.equal((await history.incoming(ALICE, msgId))?.text, 'genuine');
    assert.equal((await history.incoming(MALLORY, msgId))?.text, 'pre-empted');
    assert.equal(await history.outgoing(msgId), undefined, 'neither is mine');
  });

  it('still reads the index written before ids were namespaced, but only for a matching entry', async () => {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const mine = 'dd'.repeat(16);
    const theirs = 'ab'.repeat(16);
    const outKey = `${PREFIX.history}old!0000000000000001!0000000000000001`;
    const inKey = `${PREFIX.history}old!0000000000000001!0000000000000002`;
    await store.write([
      putJson(outKey, {
        ...received('', 'bob', mine, 'old mine'),
        direction: 'out',
        state: 'stored',
      }),
      putJson(PREFIX.historyById + mine, outKey),
      putJson(inKey, received(ALICE, 'alice', theirs, 'old theirs')),
      putJson(PREFIX.historyById + theirs, inKey),
    ]);
    assert.equal((await history.outgoing(mine))?.text, 'old mine');
    assert.equal((await history.update(mine, 'delivered'))?.state, 'delivered');
    assert.equal((await history.incoming(ALICE, theirs))?.text, 'old theirs');
    assert.equal(await history.outgoing(theirs), undefined, 'a received message is not mine');
    assert.equal(await history.incoming(MALLORY, theirs), undefined, 'nor from someone else');
  });

  it('lists unread entries without taking them, and forgets only the marks it is given', async () => {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    for (const [i, text] of ['one', 'two', 'three'].entries()) {
      const e = received(ALICE, 'alice', `${i}`.repeat(32), text);
      await store.write(history.appendOps(e, { unread: true, atMs: i }));
    }
    const unread = await history.unread();
    assert.deepEqual(
      unread.map((u) => u.entry.text),
      ['one', 'two', 'three'],
    );
    assert.equal((await history.unread()).length, 3, 'reading takes nothing');
    assert.deepEqual(
      (await history.unread(2)).map((u) => u.entry.text),
      ['one', 'two'],
      'inbox --max reads only the oldest it may print',
    );
    await history.markRead(unread.slice(0, 1).map((u) => u.mark));
    await history.markRead(['v1!hist!not-a-mark']);
    assert.deepEqual(
      (await history.unread()).map((u) => u.entry.text),
      ['two', 'three'],
    );
    assert.deepEqual(
      (await history.takeUnread()).map((e) => e.text),
      ['two', 'three'],
    );
    assert.equal((await history.list(directConversation('alice'))).length, 3, 'all kept');
  });

  it('merges group changes with messages by time and counter, the newest `limit` of both, once each', async () => {
    const store = new PeerStore(new MemoryKv());
    const history = await History.load(store);
    const gid = 'ab'.repeat(16);
    const conversation = groupConversation(gid);
    const message = (text: string, atMs: number) =>
      history.appendOps(
        { ...received(ALICE, 'alice', text.repeat(32), text), conversation },
        { atMs },
      );
    const event = (seq: number, atMs: number) =>
      history.eventOps({
        kind: 'event',
        conversation,
        groupId: gid,
        seq,
        notice: { kind: 'renamed', by: 'alice', from: '', to: `n${seq}` },
        atMs,
      });
    // Two at one millisecond keep the order they were written in (the local counter).
    await store.write([...(await event(0, 5)), ...message('1', 5), ...message('2', 7)]);
    await store.write([...(await event(1, 7)), ...message('3', 9)]);
    const said = (items: HistoryItem[]) =>
      items.map((e) => (isGroupEvent(e) ? `event ${e.seq}` : e.text));
    assert.deepEqual(said(await history.timeline(conversation)), [
      'event 0',
      '1',
      '2',
      'event 1',
      '3',
    ]);
    assert.deepEqual(said(await history.timeline(conversation, 3)), ['2', 'event 1', '3']);
    assert.deepEqual(said(await history.list(conversation)), ['1', '2', '3'], 'messages only');
    assert.deepEqual(await event(1, 11), [], 'a change kept already is not kept again');
    assert.equal((await history.timeline(conversation)).length, 5);
  });

  it('reads a store from before group changes were kept: its messages, no events', async () => {
    const store = new PeerStore(new MemoryKv());
    // As an older natter wrote it: the entry and its index, nothing under the event prefixes.
    const e = received(ALICE, 'alice', '11'.repeat(16), 'old');
    const key = `${PREFIX.history}${Buffer.from(e.conversation).toString('hex')}!${'0'.repeat(15)}1!${'0'.repeat(15)}1`;
    await store.write([putJson(key, e)]);
    const history = await History.load(store);
    assert.deepEqual(await history.timeline(e.conversation), [e]);
  });
});
