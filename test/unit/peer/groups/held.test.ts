/**
 * Group messages waiting for their sender's key (src/peer/groups/held.ts), with the
 * bound lowered to a few messages: what fits is held and acknowledged, the first that
 * does not stops its group unacknowledged (never dropped), a restart keeps the count,
 * and a key that comes makes room again.
 */
import assert from 'node:assert/strict';
import { PREFIX } from '../../../../src/peer/store.js';
import { collect, GroupHub, type Member } from '../../../helpers/group-hub.js';
import { costOf, senderOf } from '../../../helpers/outside-sender.js';
import { person } from '../../../helpers/peer-fixtures.js';

describe('group messages waiting for their sender key', () => {
  async function three(maxHeld: number) {
    const hub = new GroupHub();
    hub.maxHeldGroupBytes = maxHeld;
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    const carol = await hub.join(person('carol'));
    const info = await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    return { hub, alice, bob, carol, gid: info.groupId };
  }

  const ackedBy = (hub: GroupHub, m: Member) =>
    Math.max(-1, ...hub.acks.filter((a) => a.to === m.uid).map((a) => a.f.throughGseq));
  const heldAt = (m: Member) =>
    [...m.kv.data.keys()].filter((k) => k.startsWith(PREFIX.heldGroup)).length;

  it('stops the group at the first message over the bound, acknowledging only what it holds, and reports nothing', async () => {
    const probe = senderOf(person('alice'), '00'.repeat(16)).frame(1);
    const { hub, alice, bob, gid } = await three(3 * costOf(probe));
    const a = senderOf(alice.who, gid);
    const frames = [100, 101, 102, 103, 104].map((g) => a.frame(g));
    const damaged = collect(bob, 'message:damaged');
    for (const f of frames) bob.groups.push(f);
    await hub.settle();
    assert.equal(heldAt(bob), 3);
    assert.equal(ackedBy(hub, bob), 102);
    assert.deepEqual(damaged, []);
    // Later items of the same session are not taken past it either.
    bob.groups.push(a.frame(105));
    await hub.settle();
    assert.equal(ackedBy(hub, bob), 102);
    assert.equal(heldAt(bob), 3);
  });

  it('counts what a restart finds held, and makes room again once a key comes', async () => {
    const probe = senderOf(person('alice'), '00'.repeat(16)).frame(1);
    const { hub, alice, bob, carol, gid } = await three(2 * costOf(probe));
    const a = senderOf(alice.who, gid);
    const c = senderOf(carol.who, gid);
    const shown = collect(bob, 'message:received');
    bob.groups.push(a.frame(100));
    bob.groups.push(a.frame(101));
    await hub.settle();
    await hub.restart(bob);
    bob.groups.onReady(0);
    const c102 = c.frame(102);
    bob.groups.push(c102);
    await hub.settle();
    assert.equal(ackedBy(hub, bob), 101, 'what was held before the restart still counts');
    // alice's key comes: her two open, and carol's message has room now (next session).
    await bob.groups.acceptShares([a.share]);
    assert.equal(heldAt(bob), 0);
    bob.groups.onReady(0);
    bob.groups.push(c102);
    bob.groups.push(c.frame(103));
    await hub.settle();
    assert.equal(ackedBy(hub, bob), 103);
    assert.equal(heldAt(bob), 2);
    await bob.groups.acceptShares([c.share]);
    const texts = shown.map((m) => m.text.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(texts, ['alice 1', 'alice 2', 'carol 1', 'carol 2']);
  });
});
