/**
 * Groups (issue 11) through a real relay and real clients on loopback: talk both
 * ways, a member away while keys and messages pile up (in either order), a member
 * removed who gets nothing after, a relay that alters a membership change, and a
 * member whose key changed held until trust.
 */
import assert from 'node:assert/strict';
import { peekGroupMessageHeader } from '../../../src/crypto/group-message.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import type { ClientComponents } from '../../../src/peer/components.js';
import type { NatterClient, ReceivedMessage } from '../../../src/peer/index.js';
import { PREFIX } from '../../../src/peer/store.js';
import { isNatterError } from '../../../src/util/errors.js';
import type { FrameOf } from '../../../src/wire/types.js';
import { nextEvent } from '../../helpers/events.js';
import { forgeRelayFrames } from '../../helpers/forging-relay.js';
import { cardOf } from '../../helpers/raw-client.js';
import type { TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';
import { waitFor } from '../presence/helpers.js';

/** Every 'message:received' of `client` from now on, as "from: text". */
function inbox(client: NatterClient): string[] {
  const got: string[] = [];
  client.on('message:received', (m: ReceivedMessage) => got.push(`${m.from.pseudonym}: ${m.text}`));
  return got;
}

/** The core's parts, for what only a relay could do to a client (hand it a frame). */
const partsOf = (c: NatterClient) => (c as unknown as { c: ClientComponents }).c;

describe('groups through a real relay (integration, loopback)', function () {
  this.timeout(30_000);
  const world = testWorld();
  let undo = () => {};

  afterEach(async () => {
    undo();
    undo = () => {};
    await world.closeAll();
    await removeTempDirs();
  });

  async function three(relay: TestRelay) {
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    return { alice, bob, carol };
  }

  it('lets three members talk both ways, each message shown once with its group', async () => {
    const relay = await world.relayOn();
    const { alice, bob, carol } = await three(relay);
    const created = nextEvent(carol, 'group:changed');
    const info = await alice.createGroup('team', ['bob', 'carol']);
    assert.deepEqual((await created).notice, { kind: 'created', by: 'alice' });
    assert.deepEqual(
      info.members.map((m) => `${m.pseudonym}/${m.role}`),
      ['alice/admin', 'bob/member', 'carol/member'],
    );
    const atCarol = inbox(carol);
    const atAlice = inbox(alice);
    const sent = await alice.sendToGroup('team', 'hello team');
    assert.equal(sent.conversation, info.conversation);
    await waitFor(() => atCarol.length === 1, 10_000, 'alice at carol');
    await bob.sendToGroup(info.groupId.slice(0, 8), 'hi from bob');
    await waitFor(() => atCarol.length === 2 && atAlice.length === 1, 10_000, 'bob at both');
    assert.deepEqual(atCarol, ['alice: hello team', 'bob: hi from bob']);
    assert.deepEqual(atAlice, ['bob: hi from bob']);
    assert.ok(await alice.flush(5000));
    assert.equal((await alice.status(sent.msgId))?.state, 'stored');
    const unread = await carol.takeUnread();
    assert.deepEqual(
      unread.map((m) => [m.conversation, m.group?.name, m.text]),
      [
        [info.conversation, 'team', 'hello team'],
        [info.conversation, 'team', 'hi from bob'],
      ],
    );
    const history = await bob.history(info.conversation);
    assert.deepEqual(
      history.map((e) => [e.direction, e.text]),
      [
        ['in', 'hello team'],
        ['out', 'hi from bob'],
      ],
    );
    assert.deepEqual(
      (await carol.groups()).map((g) => [g.name, g.myRole]),
      [['team', 'member']],
    );
  });

  it('brings a member who was away up to date, the sender key arriving after the messages', async () => {
    const relay = await world.relayOn();
    const { alice, bob, carol } = await three(relay);
    const joined = nextEvent(carol, 'group:changed');
    const info = await alice.createGroup('team', ['bob', 'carol']);
    await joined;
    const carolProfile = carol.profile;
    await carol.close();
    const atBob = inbox(bob);
    await alice.sendToGroup('team', 'while you were out');
    await alice.sendToGroup('team', 'and another');
    await waitFor(() => atBob.length === 2, 10_000, 'bob has both');
    assert.ok(await alice.flush(5000));

    // The relay keeps carol's 1:1 mail (alice's sender key) from her first session.
    let dropped = 0;
    undo = forgeRelayFrames((f) => {
      if (f.type !== 'deliver') return f;
      dropped++;
      return null;
    });
    const away = await world.client('carol', relay, { profile: carolProfile });
    const atAway = inbox(away);
    await away.connect();
    await away.waitForInbox();
    await waitFor(() => dropped > 0, 5000, 'the key held back');
    assert.deepEqual(atAway, [], 'nothing readable without the key');
    await away.close();
    undo();

    const back = await world.client('carol', relay, { profile: carolProfile });
    const atBack = inbox(back);
    await back.connect();
    // As `natter inbox` does: wait for the inbox, then take what came.
    await back.waitForInbox();
    const unread = await back.takeUnread();
    assert.deepEqual(atBack, ['alice: while you were out', 'alice: and another']);
    assert.deepEqual(
      unread.map((m) => [m.group?.name, m.text]),
      [
        ['team', 'while you were out'],
        ['team', 'and another'],
      ],
    );
    assert.equal((await back.group(info.conversation)).name, 'team');
  });

  it("keeps a catch-up's messages and changes in the log's order of receipt", async () => {
    const relay = await world.relayOn();
    const { alice, carol } = await three(relay);
    const joined = nextEvent(carol, 'group:changed');
    const info = await alice.createGroup('team', ['bob', 'carol']);
    await joined;
    const carolProfile = carol.profile;
    await carol.close();
    // Each message on the relay before the next change, as `natter send` waits for it.
    await alice.sendToGroup('team', 'T1 before the rename');
    assert.ok(await alice.flush(5000));
    await alice.renameGroup('team', 'Team3');
    await alice.sendToGroup('Team3', 'T2 after the rename');
    assert.ok(await alice.flush(5000));
    await alice.removeFromGroup('Team3', 'bob');
    await alice.sendToGroup('Team3', 'T3 after bob left');
    assert.ok(await alice.flush(5000));

    const back = await world.client('carol', relay, { profile: carolProfile });
    let received = 0;
    back.on('message:received', () => received++);
    await back.connect();
    await back.waitForInbox();
    await waitFor(() => received === 3, 10_000, 'all three');
    const history = await back.history(info.conversation);
    const updates = (await back.takeGroupUpdates()).filter((u) => u.type === 'changed');
    // As the chat shows them (conversation.ts): by time, messages first among equals.
    const shown = [
      ...history.map((e) => ({ atMs: e.receivedAtMs ?? e.sentAtMs, what: e.text })),
      ...updates.map((u) => ({ atMs: u.atMs, what: u.type === 'changed' ? u.notice.kind : '' })),
    ].sort((a, b) => a.atMs - b.atMs);
    assert.deepEqual(
      shown.map((x) => x.what),
      [
        'created',
        'T1 before the rename',
        'renamed',
        'T2 after the rename',
        'removed',
        'T3 after bob left',
      ],
    );
  });

  it('removes a member: the others go on, and the removed one gets nothing and could open nothing', async () => {
    const relay = await world.relayOn();
    const { alice, bob, carol } = await three(relay);
    const info = await alice.createGroup('team', ['bob', 'carol']);
    const atCarol = inbox(carol);
    await alice.sendToGroup('team', 'before');
    await waitFor(() => atCarol.length === 1, 10_000, 'carol reads before');
    const removed = nextEvent(carol, 'group:changed', (e) => e.notice.kind === 'removed');
    const after = await alice.removeFromGroup('team', 'carol');
    assert.equal(after.epoch, 1);
    assert.deepEqual(
      after.members.map((m) => m.pseudonym),
      ['alice', 'bob'],
    );
    assert.equal((await removed).group.myRole, null);
    await assert.rejects(carol.sendToGroup('team', 'me too'), (e) =>
      isNatterError(e, 'E_NOT_GROUP_MEMBER'),
    );

    const toBob: FrameOf<'group-deliver'>[] = [];
    undo = forgeRelayFrames((f) => {
      if (f.type === 'group-deliver' && f.item.kind === 'message') toBob.push(f);
      return f;
    });
    const atBob = inbox(bob);
    await alice.sendToGroup('team', 'after');
    await waitFor(() => atBob.includes('alice: after'), 10_000, 'bob reads after');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(atCarol, ['alice: before'], 'carol got nothing after her removal');

    // Handed the message anyway (a relay that kept her in), she has no key to open it:
    // it is sealed under epoch 1, whose keys went to bob alone, and she kept no chain.
    const stray = toBob.at(-1);
    assert.ok(stray?.item.kind === 'message');
    assert.equal(peekGroupMessageHeader(stray.item.body).epoch, 1);
    const chains = partsOf(carol).store.scanBytes(`${PREFIX.receiverChain}${info.groupId}`);
    for await (const [key] of chains) assert.fail(`carol still holds ${key}`);
    partsOf(carol).groups.push({ ...stray, gseq: stray.gseq + 100 });
    await partsOf(carol).groups.idle();
    assert.deepEqual(atCarol, ['alice: before']);
    const history = await carol.history(info.conversation);
    assert.deepEqual(
      history.map((e) => e.text),
      ['before'],
    );
  });

  it('refuses a membership change the relay altered, with a warning, and applies nothing of it', async () => {
    const relay = await world.relayOn();
    const { alice, bob } = await three(relay);
    await alice.createGroup('team', ['bob']);
    const dave = await world.client('dave', relay);
    await dave.connect();
    const ghost = generateIdentity();
    undo = forgeRelayFrames((f) =>
      f.type === 'group-deliver' && f.item.kind === 'change' && f.item.change.op === 'add'
        ? { ...f, item: { kind: 'change', change: { ...f.item.change, target: ghost.signPk } } }
        : f,
    );
    const warned = nextEvent(bob, 'group:warning');
    await alice.addToGroup('team', 'dave').catch(() => undefined);
    const warning = await warned;
    assert.equal(warning.code, 'E_GROUP_BAD_SIGNATURE');
    assert.equal(warning.groupName, 'team');
    const members = (await bob.group('team')).members.map((m) => m.userId);
    assert.equal(members.length, 2, 'neither the ghost nor anyone else joined at bob');
    assert.ok(!members.includes(Buffer.from(ghost.signPk).toString('hex')));
  });

  it('holds the group messages of a member whose key changed until the user trusts it', async () => {
    const relay = await world.relayOn();
    const { alice, bob, carol } = await three(relay);
    await alice.createGroup('team', ['bob', 'carol']);
    await waitFor(() => bob.contact('carol') !== undefined, 5000, 'carol pinned at bob');
    const newCarol = generateIdentity();
    undo = forgeRelayFrames((f) =>
      f.type === 'roster-update'
        ? {
            ...f,
            entries: [
              ...f.entries,
              {
                card: cardOf(newCarol, 'carol'),
                status: 'online',
                statusText: '',
                online: true,
                signed: null,
              },
            ],
          }
        : f,
    );
    const changed = nextEvent(bob, 'contact:key-changed');
    const dave = await world.client('dave', relay);
    await dave.connect();
    const change = await changed;
    undo();
    const atBob = inbox(bob);
    const held = nextEvent(bob, 'message:held');
    await carol.sendToGroup('team', 'can you read me');
    const h = await held;
    assert.equal(h.from.pseudonym, 'carol');
    assert.ok(h.conversation.startsWith('#'));
    assert.deepEqual(atBob, []);
    const released = nextEvent(bob, 'message:released');
    const trusted = await bob.trust('carol', { safetyNumber: change.safetyNumber });
    assert.equal(trusted.releasedIn, 1);
    assert.equal((await released).count, 1);
    assert.deepEqual(atBob, ['carol: can you read me']);
  });
});
