/**
 * Blocking (docs/decisions.md, "Blocking") through a real relay on loopback: a hostile-peer
 * trial's mallory could write, offer files and put the victim in groups, and the victim
 * could only leave each group by hand. A block of mallory's key: her 1:1 mail is
 * acknowledged (nothing piles up on the relay) and dropped unseen, also across a restart;
 * her file offers are declined so the relay releases the upload; a group she puts alice in
 * is left at once; her messages in a group they share are not shown, while changes others
 * make that name her still are.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nextEvent } from '../../helpers/events.js';
import { until } from '../../helpers/store-lines.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

describe('blocking a key (integration, loopback)', function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  /** Alice, Bob and Mallory on a new relay; Mallory has written to Alice once, and is blocked. */
  async function blockedMallory() {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const mallory = await world.client('mallory', relay);
    await Promise.all([alice, bob, mallory].map((c) => c.connect()));
    const first = nextEvent(alice, 'message:received', (m) => m.text === 'hello');
    await mallory.send('alice', 'hello');
    await first;
    const blocked = await alice.block('mallory');
    assert.equal(blocked.changed, true);
    assert.equal(blocked.user.userId, mallory.me.userId, 'the key, not the name');
    const shown: string[] = [];
    alice.on('message:received', (m) => shown.push(m.text));
    return { relay, alice, bob, mallory, shown };
  }

  it('acknowledges and drops 1:1 mail from a blocked key: no history, no event, no unread, no mail left', async () => {
    const { relay, alice, bob, mallory, shown } = await blockedMallory();
    await mallory.send('alice', 'spam 1');
    assert.ok(await mallory.flush(5_000));
    // Bob's message after Mallory's was answered: Alice's client handled hers first.
    const marker = nextEvent(alice, 'message:received', (m) => m.text === 'marker');
    await bob.send('alice', 'marker');
    await marker;
    assert.deepEqual(shown, ['marker']);
    const texts = (await alice.conversation('mallory')).map((e) => e.text);
    assert.deepEqual(texts, ['hello']);
    // Her 'hello' from before the block is no longer unread either (a QA trial's counts kept it).
    assert.deepEqual(
      (await alice.unread()).map((m) => m.text),
      ['marker'],
    );

    // Away, then back on the same profile: the block holds, the mail waiting is acknowledged.
    const profile = alice.profile;
    await alice.close();
    await mallory.send('alice', 'spam while away');
    assert.ok(await mallory.flush(5_000));
    assert.ok(relay.relay.stats().storedMessages >= 1, 'kept for alice while she is away');
    const again = await world.client('alice', relay, { profile });
    const seen: string[] = [];
    again.on('message:received', (m) => seen.push(m.text));
    await again.connect();
    await again.waitForInbox({ timeoutMs: 10_000 });
    await until('the waiting mail acknowledged', () => relay.relay.stats().storedMessages === 0);
    assert.deepEqual(seen, []);
    assert.deepEqual(
      again.blocked().map((b) => b.userId),
      [mallory.me.userId],
    );
    assert.deepEqual(
      (await again.conversation('mallory')).map((e) => e.text),
      ['hello'],
    );

    // Unblocked: what she sends from now on arrives again.
    assert.equal((await again.unblock('mallory')).changed, true);
    const back = nextEvent(again, 'message:received', (m) => m.text === 'sorry');
    await mallory.send('alice', 'sorry');
    await back;
  });

  it('declines a file a blocked key offers, so the relay releases the upload', async () => {
    const { relay, alice, mallory } = await blockedMallory();
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'spam.bin'), Buffer.alloc(40_000, 7));
    let offered = 0;
    alice.on('file:offer', () => offered++);
    await mallory.sendFile({ to: 'alice' }, [join(src, 'spam.bin')]);
    await until('the upload released', () => relay.relay.stats().storedFiles === 0);
    assert.equal(offered, 0);
    assert.deepEqual(alice.transfers(), []);
  });

  it('leaves a group a blocked key adds me to, and hides their messages in a shared one', async () => {
    const { alice, bob, mallory, shown } = await blockedMallory();
    const joined = nextEvent(alice, 'group:changed', (e) => e.group.name === 'team');
    await bob.createGroup('team', ['alice', 'mallory']);
    await joined;

    const left = nextEvent(
      alice,
      'group:changed',
      (e) => e.group.name === 'spam' && e.notice.kind === 'left',
      10_000,
    );
    await mallory.createGroup('spam', ['alice']);
    assert.equal((await left).group.myRole, null, 'left by the ordinary leave');

    await mallory.sendToGroup('team', 'buy now');
    assert.ok(await mallory.flush(5_000));
    const marker = nextEvent(alice, 'message:received', (m) => m.text === 'marker');
    await bob.sendToGroup('team', 'marker');
    await marker;
    assert.deepEqual(shown, ['marker']);
    const team = (await alice.groups()).find((g) => g.name === 'team');
    const texts = (await alice.history(team!.conversation)).map((e) => e.text);
    assert.deepEqual(texts, ['marker']);

    // A change by someone else that names her is still applied and said.
    const removed = nextEvent(alice, 'group:changed', (e) => e.notice.kind === 'removed');
    await bob.removeFromGroup('team', 'mallory');
    const r = await removed;
    assert.deepEqual(r.notice, { kind: 'removed', by: 'bob', member: 'mallory' });
    assert.deepEqual(
      r.group.members.map((m) => m.pseudonym),
      ['bob', 'alice'],
    );
  });

  it('flags hidden the groups a blocked key put me in once I am out, and only those', async () => {
    const { alice, bob, mallory } = await blockedMallory();
    const left = nextEvent(
      alice,
      'group:changed',
      (e) => e.group.name === 'z3' && e.notice.kind === 'left',
      10_000,
    );
    await mallory.createGroup('z3', ['alice']);
    await left;
    const mine = nextEvent(alice, 'group:changed', (e) => e.group.name === 'team');
    await bob.createGroup('team', ['alice']);
    await mine;
    await alice.leaveGroup('team');

    const hidden = (await alice.groups()).map((g) => [g.name, g.myRole, g.hidden === true]);
    assert.deepEqual(hidden, [
      ['team', null, false],
      ['z3', null, true],
    ]);
    const updates = (await alice.takeGroupUpdates()).flatMap((u) =>
      u.type === 'changed' ? [[u.group.name, u.notice.kind, u.group.hidden === true]] : [],
    );
    assert.deepEqual(
      updates.filter((u) => u[0] === 'z3'),
      [
        ['z3', 'created', true],
        ['z3', 'left', true],
      ],
      'the UI never lists it, not even while leaving',
    );
    assert.ok(updates.some((u) => u[0] === 'team' && u[2] === false));

    await alice.unblock('mallory');
    const z3 = (await alice.groups()).find((g) => g.name === 'z3');
    assert.equal(z3?.hidden, undefined, 'unblocked: an ordinary left group again');
  });

  it('says a contact is blocked, tells a UI when it changes, and drops their unread from before', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice, carol].map((c) => c.connect()));
    const got = nextEvent(alice, 'message:received', (m) => m.text === 'unread one');
    await carol.send('alice', 'unread one');
    await got;
    assert.equal(alice.contact('carol')?.blocked, false);

    const told = nextEvent(alice, 'contact:blocked', (c) => c.pseudonym === 'carol');
    await alice.block('carol');
    assert.equal((await told).blocked, true);
    assert.equal(alice.contact('carol')?.blocked, true);
    assert.deepEqual(
      alice.contacts().map((c) => [c.pseudonym, c.blocked]),
      [['carol', true]],
    );
    assert.deepEqual(await alice.unread(), [], 'read before the block or not, not shown now');
    assert.deepEqual(await alice.takeUnread(), []);
    const texts = (await alice.conversation('carol')).map((e) => e.text);
    assert.deepEqual(texts, ['unread one'], 'kept in history');

    const lifted = nextEvent(alice, 'contact:blocked', (c) => c.pseudonym === 'carol');
    await alice.unblock('carol');
    assert.equal((await lifted).blocked, false);
  });

  it('flags hidden an older change of a group now hidden, kept untaken from before the block', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const mallory = await world.client('mallory', relay);
    await Promise.all([alice, bob, mallory].map((c) => c.connect()));
    const joined = nextEvent(alice, 'group:changed', (e) => e.group.name === 'deals');
    await mallory.createGroup('deals', ['alice', 'bob']);
    await joined;
    await alice.takeGroupUpdates();
    const renamed = nextEvent(alice, 'group:changed', (e) => e.notice.kind === 'renamed');
    await mallory.renameGroup('deals', 'offers');
    await renamed;
    // Blocked and left with `--all-from` before any UI took the rename.
    await alice.block('mallory');
    for (const g of await alice.groupsAddedBy('mallory')) await alice.leaveGroup(g.conversation);
    const updates = (await alice.takeGroupUpdates()).flatMap((u) =>
      u.type === 'changed' ? [[u.notice.kind, u.group.hidden === true]] : [],
    );
    assert.deepEqual(updates, [
      ['renamed', true],
      ['left', true],
    ]);
  });
});
