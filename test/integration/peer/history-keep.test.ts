/**
 * keep-history on a real profile (LevelDB on disk, the client's own clock): entries kept
 * longer than the setting go when the client opens, when the setting changes and every
 * hour while it runs; newer ones, other conversations' newer ones and my queued messages
 * stay; the client says which conversations lost entries ('history:deleted').
 */
import assert from 'node:assert/strict';
import { NatterClient } from '../../../src/peer/client.js';
import {
  type ConversationId,
  directConversation,
  groupConversation,
} from '../../../src/peer/conversations/ids.js';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { History, type HistoryEntry } from '../../../src/peer/messaging/history.js';
import {
  conversationsBefore,
  HISTORY_PRUNE_EVERY_MS,
  historyKeepOps,
} from '../../../src/peer/messaging/history-keep.js';
import { profilePaths } from '../../../src/peer/profile.js';
import { PeerStore } from '../../../src/peer/store.js';
import { ManualClock } from '../../../src/util/clock.js';
import { incomingEntry } from '../../helpers/history-entries.js';
import { makeProfile, type TestProfile } from '../../helpers/profile.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const GID = '9a'.repeat(16);
const bob = directConversation('bob');
const carol = directConversation('carol');
const team = groupConversation(GID);

const incoming = (conversation: ConversationId, who: string, at: number) =>
  incomingEntry(conversation, 'b0'.repeat(32), at, who);

/** Writes history into the closed profile's store, as earlier runs of the client would have. */
async function seed(profile: TestProfile, write: (s: PeerStore, h: History) => Promise<void>) {
  const store = await PeerStore.open(profilePaths(profile.dir).db, profile.dir);
  try {
    await write(store, await History.load(store));
  } finally {
    await store.close();
  }
}

async function add(store: PeerStore, history: History, e: HistoryEntry, at: number) {
  await store.write(history.appendOps(e, { atMs: at, unread: true }));
}

describe('peer: keep-history on a real profile', function () {
  this.timeout(20_000);
  const T = 1_800_000_000_000;
  let profile: TestProfile;
  let client: NatterClient | null;

  beforeEach(async () => {
    profile = await makeProfile('alice');
    client = null;
  });
  afterEach(async () => {
    await client?.close();
    await removeTempDirs();
  });

  const open = (clock: ManualClock) =>
    NatterClient.open({ profileDir: profile.dir, presence: false, clock });
  const texts = async (c: NatterClient, conv: ConversationId) =>
    (await c.history(conv)).map((e) => e.text);

  it('keeps everything by default', async () => {
    await seed(profile, (s, h) => add(s, h, incoming(bob, 'bob', T - 400 * DAY), T - 400 * DAY));
    client = await open(new ManualClock(T));
    assert.equal(await client.historyKeep(), null);
    const pruned = await client.pruneHistory();
    assert.deepEqual(pruned, {
      keepMs: null,
      beforeMs: null,
      conversations: 0,
      messages: 0,
      events: 0,
      kept: 0,
    });
    assert.equal(await client.takeHistoryPruned(), null, 'nothing to say');
    assert.equal((await client.history(bob)).length, 1);
  });

  it('deletes what is older than the setting when the client opens, messages and change lines', async () => {
    await seed(profile, async (s, h) => {
      await add(s, h, incoming(bob, 'bob', T - 3 * DAY), T - 3 * DAY);
      await add(s, h, incoming(bob, 'bob', T - HOUR), T - HOUR);
      await add(s, h, incoming(carol, 'carol', T - 2 * DAY), T - 2 * DAY);
      await add(s, h, incoming(team, 'carol', T - 5 * HOUR), T - 5 * HOUR);
      const event = {
        kind: 'event' as const,
        conversation: team,
        groupId: GID,
        seq: 1,
        notice: { kind: 'created' as const, by: 'carol' },
        atMs: T - 2 * DAY,
      };
      await s.write(await h.eventOps(event));
      await s.write(historyKeepOps(DAY));
    });
    client = await open(new ManualClock(T));
    // The pass started at open comes first: this one finds nothing left.
    const again = await client.pruneHistory();
    assert.equal(again.messages + again.events, 0);
    assert.deepEqual(await texts(client, bob), [`hello at ${T - HOUR}`]);
    assert.deepEqual(await texts(client, carol), []);
    const timeline = await client.timeline(team);
    assert.equal(timeline.length, 1, 'the change line went, the newer message stayed');
    assert.equal((timeline[0] as HistoryEntry).text, `hello at ${T - 5 * HOUR}`);
    assert.equal((await client.unread()).length, 2, 'the unread marks went with their messages');
    // What the pass at open took, for a UI to say once.
    const said = await client.takeHistoryPruned();
    assert.deepEqual(
      [said?.conversations, said?.messages, said?.events, said?.keepMs],
      [3, 2, 1, DAY],
    );
    assert.equal(await client.takeHistoryPruned(), null, 'said once');
  });

  it('deletes at once when the setting changes, and says which conversations lost entries', async () => {
    await seed(profile, async (s, h) => {
      await add(s, h, incoming(bob, 'bob', T - 10 * DAY), T - 10 * DAY);
      await add(s, h, incoming(bob, 'bob', T - 2 * DAY), T - 2 * DAY);
      await add(s, h, incoming(carol, 'carol', T - 2 * DAY), T - 2 * DAY);
    });
    client = await open(new ManualClock(T));
    const deleted: PeerEventMap['history:deleted'][] = [];
    client.on('history:deleted', (e) => deleted.push(e));
    const week = await client.setHistoryKeep(7 * DAY);
    assert.deepEqual(week, {
      keepMs: 7 * DAY,
      beforeMs: T - 7 * DAY,
      conversations: 1,
      messages: 1,
      events: 0,
      kept: 0,
    });
    assert.deepEqual(
      deleted.map((e) => [e.conversation, e.messages]),
      [[bob, 1]],
    );
    const day = await client.setHistoryKeep(DAY);
    assert.equal(day.conversations, 2);
    assert.equal(day.messages, 2);
    assert.equal(await client.historyKeep(), DAY);
    await assert.rejects(client.setHistoryKeep(60_000), { code: 'E_BAD_SETTING' });
    assert.equal(await client.historyKeep(), DAY, 'a refused value changes nothing');
    await client.setHistoryKeep(null);
    assert.equal(await client.historyKeep(), null);
  });

  it('deletes every hour while the client runs, what has grown older meanwhile', async () => {
    await seed(profile, async (s, h) => {
      await add(s, h, incoming(bob, 'bob', T - 20 * HOUR), T - 20 * HOUR);
      await s.write(historyKeepOps(DAY));
    });
    const clock = new ManualClock(T);
    client = await open(clock);
    await client.pruneHistory();
    assert.equal((await client.history(bob)).length, 1, 'not a day old yet');
    const deleted = new Promise((resolve) => client?.on('history:pruned', resolve));
    clock.advance(4 * HOUR); // 24 hours old: still kept
    clock.advance(HISTORY_PRUNE_EVERY_MS); // the hourly pass after that takes it
    await deleted;
    assert.equal((await client.history(bob)).length, 0);
  });

  it('finds the conversations with entries before a time by one key each', async () => {
    await seed(profile, async (s, h) => {
      await add(s, h, incoming(bob, 'bob', T - 3 * DAY), T - 3 * DAY);
      await add(s, h, incoming(carol, 'carol', T - HOUR), T - HOUR);
      for (let i = 0; i < 50; i++) await add(s, h, incoming(bob, 'bob', T - i), T - i);
      const store = s;
      assert.deepEqual(await conversationsBefore(store, T - DAY), [bob]);
      assert.deepEqual((await conversationsBefore(store, T)).sort(), [bob, carol].sort());
      assert.deepEqual(await conversationsBefore(store, T - 4 * DAY), []);
    });
  });
});
