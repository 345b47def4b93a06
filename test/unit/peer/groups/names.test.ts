/**
 * People in a group's changes are named by pseudonym (docs/decisions.md, "Groups
 * leftovers: names in racing changes"): a change that reaches a member while their
 * link goes (a command logging out: the sixteenth sitting's trial printed `alice added
 * unknown (wnsk-eth2-twjg)`) is not said nameless; it comes again with the next session.
 */
import assert from 'node:assert/strict';
import type { GroupNotice } from '../../../../src/peer/events.js';
import { isGroupEvent } from '../../../../src/peer/messaging/history-events.js';
import { collect, GroupHub, type Member } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

const said = (n: GroupNotice) =>
  'member' in n && 'by' in n ? `${n.by} ${n.kind} ${n.member}` : n.kind;

async function changesIn(m: Member, ref: string): Promise<string[]> {
  const items = await m.history.timeline(m.groups.info(ref).conversation, 1000);
  return items.filter(isGroupEvent).map((e) => said(e.notice));
}

/** alice and dave admins of 'team' with bob; carol registered, not in it. */
async function twoAdmins() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const dave = await hub.join(person('dave'));
  const bob = await hub.join(person('bob'));
  const carol = await hub.join(person('carol'));
  const { groupId: gid } = await alice.groups.create('team', ['dave', 'bob']);
  await alice.groups.about(gid, 'promote', 'dave');
  await hub.settle();
  return { hub, alice, dave, bob, carol, gid };
}

/** bob's items come again, as a new session brings them. */
async function newSession(hub: GroupHub, bob: Member): Promise<void> {
  hub.linkDown.delete(bob.uid);
  bob.groups.onReady(0);
  for (const f of hub.sent.get(bob.uid) ?? []) bob.groups.push(f);
  await hub.settle();
}

describe('people named in group changes', () => {
  it('names a member added and removed at once by two admins while the link went, once the items come again', async () => {
    const { hub, alice, dave, bob, gid } = await twoAdmins();
    const changed = collect(bob, 'group:changed');
    hub.linkDown.add(bob.uid);
    await alice.groups.add(gid, 'carol');
    await hub.settle();
    await dave.groups.about(gid, 'remove', 'carol');
    await hub.settle();
    assert.equal(changed.length, 0, 'nothing said nameless');
    await newSession(hub, bob);
    assert.deepEqual(
      changed.map((e) => said(e.notice)),
      ['alice added carol', 'dave removed carol'],
    );
    assert.deepEqual((await changesIn(bob, gid)).slice(-2), [
      'alice added carol',
      'dave removed carol',
    ]);
  });

  it('names the member of a removal whose add never reached this member, from the relay', async () => {
    const { hub, alice, dave, bob, gid } = await twoAdmins();
    // bob's copy of the add is lost: his stream reads it from the relay's log.
    hub.tamper = (to, f) =>
      to === bob.uid && f.item.kind === 'change' && f.item.change.op === 'add' ? null : f;
    const changed = collect(bob, 'group:changed');
    await alice.groups.add(gid, 'carol');
    await hub.settle();
    await dave.groups.about(gid, 'remove', 'carol');
    await hub.settle();
    assert.deepEqual(
      changed.map((e) => said(e.notice)),
      ['dave removed carol'],
    );
  });

  it('says a member nobody can name now by their fingerprint, said as not known', async () => {
    const { hub, alice, dave, bob, gid } = await twoAdmins();
    hub.lookupsDown.add(bob.uid);
    const changed = collect(bob, 'group:changed');
    await alice.groups.add(gid, 'carol');
    await hub.settle();
    await dave.groups.about(gid, 'remove', 'carol');
    await hub.settle();
    const [added] = changed.map((e) => e.notice);
    assert.ok(added?.kind === 'added');
    assert.match(added.member, /^unknown \([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}\)$/);
  });
});
