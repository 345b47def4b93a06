/**
 * What a group's stream tells the user besides messages (src/peer/groups/notices.ts):
 * a gap in a member's sender chain, and a group stopped at the held bound. Both are
 * kept until a UI takes them (ConversationNotices), like 1:1's gap notices; and the
 * changes the design expects (rekeys, adds, leaving and coming back, restarts,
 * messages held for a key, messages sealed before a share) say nothing.
 */
import assert from 'node:assert/strict';
import { heldCost } from '../../../../src/peer/groups/held.js';
import { ConversationNotices } from '../../../../src/peer/messaging/notices.js';
import { collect, GroupHub, type Member, teamOfTwo } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

async function world() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const bob = await hub.join(person('bob'));
  const carol = await hub.join(person('carol'));
  return { hub, alice, bob, carol };
}

const kept = (m: Member) => new ConversationNotices(m.store).take();

describe('group notices', () => {
  it('notes a gap in a member’s chain in that group, with the sender and how many are missing', async () => {
    const { hub, alice, bob, carol } = await world();
    const info = await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    await alice.groups.send('team', 'one');
    await hub.deliverMail();
    // The relay loses alice's next two messages on their way to bob (its TTL, say).
    let dropping = 2;
    hub.tamper = (to, f) =>
      to === bob.uid && f.item.kind === 'message' && dropping-- > 0 ? null : f;
    const atBob = collect(bob, 'conversation:notice');
    const atCarol = collect(carol, 'conversation:notice');
    for (const text of ['two', 'three', 'four']) await alice.groups.send('team', text);
    await hub.deliverMail();
    assert.equal(atBob.length, 1);
    const n = atBob[0];
    assert.ok(n);
    assert.equal(n.kind, 'gap');
    assert.equal(n.conversation, info.conversation);
    assert.deepEqual(n.group, { name: 'team' });
    assert.equal(n.from.pseudonym, 'alice');
    assert.equal(n.missing, 2);
    assert.deepEqual([n.previousCounter, n.counter], [1, 4], 'chain positions, from 1');
    assert.deepEqual(atCarol, [], 'carol got all four');
    assert.deepEqual(
      (await kept(bob)).map((k) => [k.kind, k.missing]),
      [['gap', 2]],
      'kept for the next inbox',
    );
  });

  it('notes nothing across rekeys, adds, leaving and coming back, restarts and held messages', async () => {
    const { hub, alice, bob, carol } = await world();
    const dave = await hub.join(person('dave'));
    const members = [alice, bob, carol, dave];
    const notices = members.map((m) => collect(m, 'conversation:notice'));
    await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    const round = async (tag: string) => {
      for (const m of members) {
        if (m.groups.list().some((g) => g.name === 'team' && g.myRole !== null)) {
          await m.groups.send('team', `${m.who.name} ${tag}`);
        }
      }
      await hub.deliverMail();
    };
    await round('a');
    // An add keeps the epoch: dave's share starts at each chain's current index.
    await alice.groups.add('team', 'dave');
    await hub.settle();
    await round('b');
    // A remove starts a new epoch: new chains from 0.
    await alice.groups.about('team', 'remove', 'carol');
    await hub.settle();
    // The new chains' first messages come before their keys: held, then opened in order.
    await alice.groups.send('team', 'held 1');
    await alice.groups.send('team', 'held 2');
    await hub.deliverMail((kind) => kind === 'group-text');
    assert.ok((await bob.history.takeUnread()).every((e) => !e.text.startsWith('held')));
    await hub.deliverMail();
    await round('c');
    // carol comes back (same epoch as after her removal): shares at the chains' places now.
    await alice.groups.add('team', 'carol');
    await hub.settle();
    await round('d');
    // bob leaves and is added again, dave restarts in between.
    await bob.groups.leave('team');
    await hub.settle();
    await round('e');
    await hub.restart(dave);
    await alice.groups.add('team', 'bob');
    await hub.settle();
    await round('f');
    // A message sealed before its sender learned of an add reaches the newcomer: not for it.
    await alice.groups.about('team', 'remove', 'dave');
    await hub.settle();
    await bob.groups.send('team', 'sealed before dave is back');
    await alice.groups.add('team', 'dave');
    await hub.settle();
    await hub.deliverMail();
    await round('g');
    assert.deepEqual(
      notices.map((n) => n.length),
      [0, 0, 0, 0],
    );
    for (const m of members) assert.deepEqual(await kept(m), [], `${m.who.name} keeps none`);
    assert.ok((await dave.history.takeUnread()).some((e) => e.text === 'alice g'));
    // And after all that, a real gap is still seen.
    let dropping = 1;
    hub.tamper = (to, f) =>
      to === dave.uid && f.item.kind === 'message' && dropping-- > 0 ? null : f;
    await alice.groups.send('team', 'lost');
    await alice.groups.send('team', 'after it');
    await hub.deliverMail();
    assert.deepEqual(
      notices.map((n) => n.map((x) => [x.kind, x.from.pseudonym, x.missing])),
      [[], [], [], [['gap', 'alice', 1]]],
    );
  });

  it('tells once that a group stopped at the held bound, with how many wait for a key', async () => {
    const { hub, alice, bob, info } = await teamOfTwo();
    for (let i = 0; i < 5; i++) await alice.groups.send('team', `m${i}`);
    const sizes = alice.outbox.list().flatMap((e) => e.sealedGroup?.length ?? []);
    assert.equal(new Set(sizes).size, 1);
    // Room for two of alice's messages.
    hub.maxHeldGroupBytes = 2 * heldCost({ body: new Uint8Array(sizes[0] ?? 0) });
    await hub.restart(bob);
    const atBob = collect(bob, 'conversation:notice');
    await hub.deliverMail((kind) => kind === 'group-text');
    assert.equal(atBob.length, 1);
    const n = atBob[0];
    assert.ok(n);
    assert.equal(n.kind, 'held');
    assert.equal(n.conversation, info.conversation);
    assert.deepEqual(n.group, { name: 'team' });
    assert.equal(n.missing, 2, 'two wait for alice’s key');
    assert.equal(n.counter, n.previousCounter + 1, 'stopped at the item after the last handled');
    assert.deepEqual(
      (await kept(bob)).map((k) => [k.kind, k.missing]),
      [['held', 2]],
    );
    // More items in the same session: no second notice.
    await alice.groups.send('team', 'later');
    await hub.deliverMail((kind) => kind === 'group-text');
    assert.equal(atBob.length, 1);
  });
});
