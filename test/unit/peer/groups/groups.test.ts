/**
 * The client core's groups over memory (test/helpers/group-hub.ts): membership
 * through signed changes, sender keys through shares, held messages, and what a
 * relay that lies can and cannot do.
 */
import assert from 'node:assert/strict';
import { prepareChange, signChange } from '../../../../src/crypto/group-log.js';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { MIN_GROUP_ID_PREFIX_CHARS } from '../../../../src/peer/groups/book.js';
import { PREFIX } from '../../../../src/peer/store.js';
import { fromHex, toHex } from '../../../../src/util/bytes.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { collect, GroupHub, type Member } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

async function world() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const bob = await hub.join(person('bob'));
  const carol = await hub.join(person('carol'));
  return { hub, alice, bob, carol };
}

/** Unread history entries of a member (what takeUnread() returns), as "from: text". */
async function unread(m: Member): Promise<string[]> {
  return (await m.history.takeUnread()).map((e) => `${e.peer.pseudonym}: ${e.text}`);
}

describe('groups in the client core', () => {
  it('creates a group that every member verifies and lists alike', async () => {
    const { hub, alice, bob, carol } = await world();
    const atBob = collect(bob, 'group:changed');
    const info = await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    assert.equal(info.name, 'team');
    assert.equal(info.myRole, 'admin');
    assert.equal(info.conversation, `#${info.groupId}`);
    assert.deepEqual(
      info.members.map((m) => [m.pseudonym, m.role]),
      [
        ['alice', 'admin'],
        ['bob', 'member'],
        ['carol', 'member'],
      ],
    );
    const seenByBob = bob.groups.info('team');
    assert.deepEqual(seenByBob, { ...info, myRole: 'member' });
    assert.deepEqual(
      carol.groups.list().map((g) => g.groupId),
      [info.groupId],
    );
    assert.deepEqual(
      atBob.map((e) => e.notice),
      [{ kind: 'created', by: 'alice' }],
    );
    assert.ok(
      hub.acks.some((a) => a.to === bob.uid),
      'bob acknowledged the create',
    );
  });

  it('delivers messages both ways, keys shared once per member and chain', async () => {
    const { hub, alice, bob, carol } = await world();
    await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    const got = collect(carol, 'message:received');
    await alice.groups.send('team', 'hello all');
    await bob.groups.send('#team', 'hi alice');
    await alice.groups.send('team', 'second');
    const shares = [alice, bob].flatMap((m) =>
      m.outbox.list().filter((e) => e.content.kind === 'sender-key'),
    );
    assert.equal(shares.length, 4, 'each sender shared its chain with the two others, once');
    await hub.deliverMail();
    assert.deepEqual(await unread(carol), ['alice: hello all', 'alice: second', 'bob: hi alice']);
    assert.deepEqual(await unread(alice), ['bob: hi alice']);
    assert.deepEqual(await unread(bob), ['alice: hello all', 'alice: second']);
    assert.deepEqual(
      got.map((m) => [m.conversation.startsWith('#'), m.group?.name]),
      [
        [true, 'team'],
        [true, 'team'],
        [true, 'team'],
      ],
    );
    const mine = await alice.history.list(alice.groups.info('team').conversation);
    assert.deepEqual(
      mine.map((e) => [e.direction, e.text]),
      [
        ['out', 'hello all'],
        ['out', 'second'],
        ['in', 'hi alice'],
      ],
    );
  });

  it('holds messages that came before their sender key and opens them in order when it comes', async () => {
    const { hub, alice, bob, carol } = await world();
    await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    await alice.groups.send('team', 'one');
    await alice.groups.send('team', 'two');
    await hub.deliverMail((kind) => kind === 'group-text');
    assert.deepEqual(await unread(bob), [], 'nothing readable yet');
    assert.ok([...bob.kv.data.keys()].some((k) => k.startsWith(PREFIX.heldGroup)));
    await hub.deliverMail();
    assert.deepEqual(await unread(bob), ['alice: one', 'alice: two']);
    assert.ok(![...bob.kv.data.keys()].some((k) => k.startsWith(PREFIX.heldGroup)));
    assert.deepEqual(await unread(carol), ['alice: one', 'alice: two']);
  });

  it('removes a member: a new epoch, new chains, and nothing the removed one can open', async () => {
    const { hub, alice, bob, carol } = await world();
    await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    await alice.groups.send('team', 'before');
    await hub.deliverMail();
    const atCarol = collect(carol, 'group:changed');
    const info = await alice.groups.about('team', 'remove', 'carol');
    await hub.settle();
    assert.equal(info.epoch, 1);
    assert.deepEqual(
      atCarol.map((e) => [e.notice, e.group.myRole]),
      [[{ kind: 'removed', by: 'alice', member: 'carol' }, null]],
    );
    assert.equal(carol.groups.info('team').myRole, null, 'kept, read-only');
    await assert.rejects(carol.groups.send('team', 'still here?'), (e) =>
      isNatterError(e, 'E_NOT_GROUP_MEMBER'),
    );
    // Another group of that name, with carol in it: the name means that one to her now
    // (a new-user trial met E_AMBIGUOUS_GROUP from the group she had been removed from).
    // dave makes it: bob, in the first, may not name a second one so himself.
    const dave = await hub.join(person('dave'));
    const fresh = await dave.groups.create('Team', ['bob', 'carol']);
    await hub.settle();
    assert.equal(carol.groups.info('team').groupId, fresh.groupId);
    assert.equal(carol.groups.info('#TEAM').myRole, 'member');
    assert.throws(
      () => bob.groups.info('team'),
      (e) => isNatterError(e, 'E_AMBIGUOUS_GROUP'),
      'bob is in both: still ambiguous to him',
    );
    await alice.groups.send('team', 'after');
    const shares = alice.outbox.list().filter((e) => e.content.kind === 'sender-key');
    assert.deepEqual(
      shares.map((e) => (e.content.kind === 'sender-key' ? [e.content.to, e.content.epoch] : [])),
      [[bob.uid, 1]],
      'the new chain goes to bob only',
    );
    const sealed = alice.outbox.list().find((e) => e.content.kind === 'group-text')?.sealedGroup;
    assert.ok(sealed);
    await hub.deliverMail();
    await unread(carol);
    assert.deepEqual(await unread(bob), ['alice: before', 'alice: after']);
    // Even handed the message, carol has no chain of epoch 1 to open it with.
    const gid = carol.groups.info('team').groupId;
    const relayed = collect(carol, 'message:received');
    carol.groups.push({
      type: 'group-deliver',
      groupId: fromHex(gid),
      gseq: 99,
      storedAtMs: 1,
      item: {
        kind: 'message',
        from: alice.who.id.signPk,
        msgId: sealed.slice(53, 69),
        body: sealed,
      },
    });
    await hub.settle();
    assert.deepEqual(relayed, []);
    assert.deepEqual(await unread(carol), []);
  });

  it('refuses a change the relay forged, with a warning, and goes on with the real ones', async () => {
    const { hub, alice, bob } = await world();
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    const ghost = generateIdentity();
    const state = hub.relayState(bob.groups.info('team').groupId);
    assert.ok(state);
    // The relay cannot sign as alice: a ghost signs its own add, as if it were an admin.
    const forged = signChange(
      ghost.signSk,
      prepareChange(state, ghost.signPk, { op: 'add', target: ghost.signPk }),
    );
    const warnings = collect(bob, 'group:warning');
    const gid = bob.groups.info('team').groupId;
    bob.groups.push({
      type: 'group-deliver',
      groupId: fromHex(gid),
      gseq: 50,
      storedAtMs: 1,
      item: { kind: 'change', change: forged },
    });
    await hub.settle();
    assert.deepEqual(
      warnings.map((w) => [w.code, w.groupName, w.conversation]),
      [['E_GROUP_NOT_ADMIN', 'team', `#${gid}`]],
    );
    assert.equal(bob.groups.info('team').members.length, 2, 'no ghost');
    const kept = await bob.groups.takeUpdates();
    assert.deepEqual(
      kept.map((u) => (u.type === 'changed' ? u.notice.kind : u.code)),
      ['created', 'E_GROUP_NOT_ADMIN'],
      'kept for the next UI, in order',
    );
    assert.deepEqual(await bob.groups.takeUpdates(), [], 'each taken once');
    assert.ok(
      hub.acks.some((a) => a.to === bob.uid && a.f.throughGseq === 50),
      'acknowledged',
    );
  });

  it('refuses a real change altered on the way (its signature no longer verifies)', async () => {
    const { hub, alice, bob, carol } = await world();
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    const ghost = generateIdentity();
    hub.tamper = (to, f) =>
      to === bob.uid && f.item.kind === 'change' && f.item.change.op === 'add'
        ? { ...f, item: { kind: 'change', change: { ...f.item.change, target: ghost.signPk } } }
        : f;
    const warnings = collect(bob, 'group:warning');
    await alice.groups.add('team', 'carol');
    await hub.settle();
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['E_GROUP_BAD_SIGNATURE'],
    );
    assert.deepEqual(
      bob.groups.info('team').members.map((m) => m.pseudonym),
      ['alice', 'bob'],
    );
    assert.equal(carol.groups.info('team').members.length, 3, 'carol got the real add');
  });

  it('lets a member added later catch up from the log, reading only what comes after', async () => {
    const { hub, alice, bob } = await world();
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    await alice.groups.send('team', 'before dave');
    await hub.deliverMail();
    await alice.groups.rename('team', 'crew');
    const dave = await hub.join(person('dave'));
    const changed = collect(dave, 'group:changed');
    await alice.groups.add('crew', 'dave');
    await hub.settle();
    assert.deepEqual(
      changed.map((e) => e.notice),
      [{ kind: 'added', by: 'alice', member: 'dave' }],
    );
    assert.deepEqual(dave.groups.info('crew'), { ...alice.groups.info('crew'), myRole: 'member' });
    const toDave = alice.outbox.list().filter((e) => e.content.kind === 'sender-key');
    assert.equal(toDave.length, 1, 'alice shares her current chain with dave at once');
    await alice.groups.send('crew', 'welcome dave');
    await hub.deliverMail();
    assert.deepEqual(await unread(dave), ['alice: welcome dave']);
    assert.deepEqual(await unread(bob), ['alice: before dave', 'alice: welcome dave']);
  });

  it('says a name a group of mine had before a rename, who renamed it and to what, after a restart too', async () => {
    const { hub, alice, bob } = await world();
    const team = await alice.groups.create('team', ['bob']);
    await hub.settle();
    await alice.groups.rename('team', 'Team Two');
    await hub.settle();
    const hinted = (e: unknown) =>
      isNatterError(e) &&
      e.code === 'E_UNKNOWN_GROUP' &&
      e.message === "group: no group of mine is 'team' (renamed 'Team Two' by alice)";
    assert.throws(() => bob.groups.info('team'), hinted);
    assert.throws(() => bob.groups.send('#team', 'hi'), hinted);
    // The renamer reads it as theirs.
    assert.throws(
      () => alice.groups.info('team'),
      (e) => isNatterError(e) && /\(renamed 'Team Two' by you\)$/.test(e.message),
    );
    assert.deepEqual(bob.groups.info('Team Two').formerNames, [{ name: 'team', by: 'alice' }]);
    await hub.restart(bob);
    assert.throws(() => bob.groups.info('team'), hinted);
    assert.deepEqual(bob.groups.list()[0]?.formerNames, [{ name: 'team', by: 'alice' }]);
    // Renamed again: the hint says the name it has now; a name never held says nothing more.
    await alice.groups.rename(team.groupId, 'crew');
    await hub.settle();
    assert.throws(
      () => bob.groups.info('team'),
      (e) => isNatterError(e) && /\(renamed 'Team Two' by alice, now 'crew'\)$/.test(e.message),
    );
    assert.throws(
      () => bob.groups.info('nope'),
      (e) => isNatterError(e) && e.message === "group: no group of mine is 'nope'",
    );
    // A group called that now is the one meant, not the former holder of the name.
    const other = await bob.groups.create('team', ['alice']);
    await hub.settle();
    assert.equal(alice.groups.info('team').groupId, other.groupId);
    assert.equal(alice.groups.info('team').formerNames, undefined);
  });

  it('drops forged and misattributed messages as damaged, and skips redeliveries and copies', async () => {
    const { hub, alice, bob } = await world();
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    await alice.groups.send('team', 'once');
    const sealed = alice.outbox.list().find((e) => e.content.kind === 'group-text')?.sealedGroup;
    assert.ok(sealed);
    await hub.deliverMail();
    assert.deepEqual(await unread(bob), ['alice: once']);
    const gid = bob.groups.info('team').groupId;
    const damaged = collect(bob, 'message:damaged');
    const at = (gseq: number, body: Uint8Array, from = alice.who.id.signPk) =>
      bob.groups.push({
        type: 'group-deliver',
        groupId: fromHex(gid),
        gseq,
        storedAtMs: 1,
        item: { kind: 'message', from, msgId: body.slice(53, 69), body },
      });
    at(2, sealed); // at or below what was applied: a redelivery, skipped quietly
    await hub.settle();
    assert.equal(damaged.length, 0);
    // The same message as a new item: a copy the relay stored twice (its sender sent it
    // again after losing the SendAck), dropped quietly like a 1:1 copy: its id is known.
    at(10, sealed);
    const flipped = sealed.slice();
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
    at(11, flipped);
    at(12, sealed, generateIdentity().signPk);
    await hub.settle();
    assert.deepEqual(
      damaged.map((d) => [d.reason, d.seq, d.conversation]),
      [
        ['bad-signature', 11, `#${gid}`],
        ['sender-mismatch', 12, `#${gid}`],
      ],
    );
    assert.equal((await bob.damagedReports.take()).length, 2, 'kept for takeDamaged()');
    assert.equal(bob.groups.damagedMessages(), 2);
    assert.deepEqual(await unread(bob), []);
  });

  it('holds messages from a member whose key changed until trust, then shows them', async () => {
    const { hub, alice, bob } = await world();
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    const newAlice = person('alice');
    assert.equal(await bob.contacts.observe(newAlice.card), 'changed');
    const held = collect(bob, 'message:held');
    await alice.groups.send('team', 'while changed');
    await hub.deliverMail();
    assert.deepEqual(await unread(bob), []);
    assert.deepEqual(
      held.map((h) => [h.from.pseudonym, h.conversation.startsWith('#')]),
      [['alice', true]],
    );
    await bob.contacts.trust('alice', bob.contacts.safetyNumber('alice'));
    assert.equal(await bob.groups.trusted('alice'), 1);
    assert.deepEqual(await unread(bob), ['alice: while changed']);
  });

  it('refuses to create or rename to a name a group I am in has, in any case; one I left does not count', async () => {
    const { hub, alice, bob } = await world();
    const team = await alice.groups.create('team', ['bob']);
    const ops = await alice.groups.create('ops', ['bob']);
    await hub.settle();
    await assert.rejects(
      alice.groups.create('TEAM', ['carol']),
      (e) => isNatterError(e, 'E_GROUP_NAME_TAKEN') && /#team already/.test(e.message),
    );
    await assert.rejects(alice.groups.rename(ops.groupId, 'Team'), (e) =>
      isNatterError(e, 'E_GROUP_NAME_TAKEN'),
    );
    assert.deepEqual(
      alice.groups
        .list()
        .map((g) => g.name)
        .sort(),
      ['ops', 'team'],
      'nothing made, nothing renamed',
    );
    const renamed = await alice.groups.rename(team.groupId, 'Team');
    assert.equal(renamed.name, 'Team', 'a group may change the case of its own name');
    await hub.settle();
    // Once bob left #Team, the name is his to give again: it means the group he is in.
    await bob.groups.leave(team.groupId);
    await hub.settle();
    const again = await bob.groups.create('team', ['carol']);
    await hub.settle();
    assert.equal(bob.groups.info('team').groupId, again.groupId);
  });

  it('names groups by name, #name, conversation id or id prefix, and says when that is ambiguous', async () => {
    const { hub, alice } = await world();
    const a = await alice.groups.create('Team', ['bob']);
    const b = await alice.groups.create('other', ['carol']);
    await hub.settle();
    for (const ref of ['team', '#TEAM', a.conversation, a.groupId.slice(0, 6)]) {
      assert.equal(alice.groups.info(ref).groupId, a.groupId, ref);
    }
    assert.equal(alice.groups.info(b.groupId).name, 'other');
    const short = a.groupId.slice(0, MIN_GROUP_ID_PREFIX_CHARS - 1);
    assert.throws(
      () => alice.groups.info(short),
      (e) => isNatterError(e, 'E_UNKNOWN_GROUP'),
      'a prefix shorter than MIN_GROUP_ID_PREFIX_CHARS names nothing',
    );
    assert.throws(
      () => alice.groups.info('nope'),
      (e) => isNatterError(e, 'E_UNKNOWN_GROUP'),
    );
    // Someone else may name a group of theirs alike and add me: then the name is ambiguous.
    const carol = [...hub.members.values()].find((m) => m.who.name === 'carol');
    assert.ok(carol);
    await carol.groups.create('TEAM', ['alice']);
    await hub.settle();
    assert.throws(
      () => alice.groups.info('team'),
      (e) => isNatterError(e, 'E_AMBIGUOUS_GROUP'),
    );
    assert.equal(alice.groups.info(a.groupId.slice(0, 8)).groupId, a.groupId);
    await assert.rejects(alice.groups.create('x', ['nobody']), (e) =>
      isNatterError(e, 'E_UNKNOWN_USER'),
    );
    await assert.rejects(alice.groups.create('bad\u202ename', []), (e) =>
      isNatterError(e, 'E_BAD_GROUP_NAME'),
    );
    await assert.rejects(
      alice.groups.create('#ops', []),
      (e) => isNatterError(e, 'E_BAD_GROUP_NAME') && /starts with '#'/.test(e.message),
    );
    // Nothing hidden in a group name either: 'team' + U+FE0F would pass for 'team'.
    await assert.rejects(
      alice.groups.create('ops\ufe0f', []),
      (e) => isNatterError(e, 'E_BAD_GROUP_NAME') && /invisible character U\+FE0F/.test(e.message),
    );
    await assert.rejects(alice.groups.rename(a.groupId, 'team\u034f'), (e) =>
      isNatterError(e, 'E_BAD_GROUP_NAME'),
    );
    await assert.rejects(alice.groups.about(a.conversation, 'remove', 'carol'), (e) =>
      isNatterError(e, 'E_NOT_GROUP_MEMBER'),
    );
    const bob = [...hub.members.values()].find((m) => m.who.name === 'bob');
    assert.ok(bob);
    await assert.rejects(bob.groups.rename(a.groupId, 'mine'), (e) =>
      isNatterError(e, 'E_GROUP_NOT_ADMIN'),
    );
    assert.equal(toHex(fromHex(a.groupId)), a.groupId);
  });
});
