/**
 * A group stopped at the held bound resumes in the same session (src/peer/groups/resend.ts,
 * stream.ts): once the messages held for a sender's key opened, the client asks its relay
 * (one announcing RELAY_FEATURE_GROUP_RESEND) for the items after the gseq it applied;
 * items of the group that come before the relay's result are dropped (they follow the
 * hole), those after it are taken in order, each once, and no ack ever passes the hole.
 */
import assert from 'node:assert/strict';
import { fromHex } from '../../../../src/util/bytes.js';
import { RELAY_FEATURE_GROUP_RESEND } from '../../../../src/wire/limits.js';
import type { FrameOf } from '../../../../src/wire/types.js';
import { collect, GroupHub, type Member } from '../../../helpers/group-hub.js';
import { costOf, senderOf } from '../../../helpers/outside-sender.js';
import { person } from '../../../helpers/peer-fixtures.js';

describe('a group stopped at the held bound resumes in the session', () => {
  /** alice, bob and carol in #team; bob holds three of alice's messages at most. */
  async function stopped(features = RELAY_FEATURE_GROUP_RESEND) {
    const probe = senderOf(person('alice'), '00'.repeat(16)).frame(1);
    const hub = new GroupHub();
    hub.maxHeldGroupBytes = 3 * costOf(probe);
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    const carol = await hub.join(person('carol'));
    const info = await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    bob.groups.onReady(features);
    const gid = info.groupId;
    const a = senderOf(alice.who, gid);
    const frames = new Map<number, FrameOf<'group-deliver'>>();
    for (let gseq = 100; gseq <= 110; gseq++) frames.set(gseq, a.frame(gseq));
    const at = (gseq: number) => frames.get(gseq)!;
    const shown = collect(bob, 'message:received');
    const notices = collect(bob, 'conversation:notice');
    // 100-102 are held for alice's key; 103 does not fit and stops the group; 104 follows it.
    for (const gseq of [100, 101, 102, 103, 104]) bob.groups.push(at(gseq));
    await hub.settle();
    return { hub, alice, bob, carol, gid, a, at, shown, notices };
  }

  const ackedBy = (hub: GroupHub, m: Member) =>
    Math.max(-1, ...hub.acks.filter((x) => x.to === m.uid).map((x) => x.f.throughGseq));
  const numbers = (shown: { text: string }[]) => shown.map((m) => Number(m.text.split(' ')[1]));
  const result = (gid: string, afterGseq: number, code = ''): FrameOf<'group-resend-result'> => ({
    type: 'group-resend-result',
    groupId: fromHex(gid),
    afterGseq,
    code,
    reason: code === '' ? '' : 'refused',
  });

  it('asks for the items after the gseq it applied once the held messages opened, and says it will', async () => {
    const { hub, bob, gid, a, shown, notices } = await stopped();
    assert.equal(ackedBy(hub, bob), 102);
    assert.equal(hub.resends.length, 0, 'nothing asked while the messages wait for the key');
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.kind, 'held');
    assert.equal(notices[0]?.resumes, true);
    await bob.groups.acceptShares([a.share]);
    assert.deepEqual(numbers(shown), [1, 2, 3]);
    assert.equal(hub.resends.length, 1);
    assert.equal(hub.resends[0]?.to, bob.uid);
    assert.deepEqual(hub.resends[0]?.f.groupId, fromHex(gid));
    assert.equal(hub.resends[0]?.f.afterGseq, 102);
  });

  it('drops the items that come before the result and takes those after it in order, each once', async () => {
    const { hub, bob, gid, a, at, shown } = await stopped();
    await bob.groups.acceptShares([a.share]);
    // Pushed live before the relay saw the request: after the hole, never taken.
    bob.groups.push(at(105));
    await hub.settle();
    bob.groups.push(at(106));
    assert.equal(ackedBy(hub, bob), 102, 'no ack passes the hole');
    // In the same turn: the result, then what the relay sends again, a copy among them.
    bob.groups.push(result(gid, 102));
    for (const gseq of [103, 104, 105, 105, 106]) bob.groups.push(at(gseq));
    await hub.settle();
    bob.groups.push(at(104));
    bob.groups.push(at(107));
    await hub.settle();
    assert.deepEqual(numbers(shown), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(ackedBy(hub, bob), 107);
    assert.equal(hub.resends.length, 1, 'asked once');
  });

  it('takes what comes after a result in a later turn than the items it follows', async () => {
    const { hub, bob, gid, a, at, shown } = await stopped();
    await bob.groups.acceptShares([a.share]);
    bob.groups.push(at(105));
    bob.groups.push(result(gid, 102));
    await hub.settle();
    assert.equal(ackedBy(hub, bob), 102);
    for (const gseq of [103, 104, 105]) {
      bob.groups.push(at(gseq));
      await hub.settle();
    }
    assert.deepEqual(numbers(shown), [1, 2, 3, 4, 5, 6]);
    assert.equal(ackedBy(hub, bob), 105);
  });

  it('keeps the group stopped until the next session when the relay refuses', async () => {
    const { hub, bob, gid, a, at, shown } = await stopped();
    await bob.groups.acceptShares([a.share]);
    bob.groups.push(result(gid, 102, 'E_GROUP_RESEND_LIMIT'));
    bob.groups.push(at(103));
    await hub.settle();
    assert.deepEqual(numbers(shown), [1, 2, 3]);
    assert.equal(ackedBy(hub, bob), 102);
    bob.groups.onReady(RELAY_FEATURE_GROUP_RESEND);
    for (const gseq of [103, 104]) bob.groups.push(at(gseq));
    await hub.settle();
    assert.deepEqual(numbers(shown), [1, 2, 3, 4, 5]);
  });

  it('is not moved by a result it did not ask for, nor by one for another gseq', async () => {
    const { hub, bob, gid, at, shown } = await stopped();
    bob.groups.push(result(gid, 102));
    bob.groups.push(at(103));
    await hub.settle();
    assert.deepEqual(numbers(shown), [], 'still waiting for the key: nothing was asked');
    assert.equal(ackedBy(hub, bob), 102);
  });

  it('asks only once every sender’s held messages opened', async () => {
    const probe = senderOf(person('alice'), '00'.repeat(16)).frame(1);
    const hub = new GroupHub();
    hub.maxHeldGroupBytes = 3 * costOf(probe);
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    const carol = await hub.join(person('carol'));
    const { groupId: gid } = await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    bob.groups.onReady(RELAY_FEATURE_GROUP_RESEND);
    const a = senderOf(alice.who, gid);
    const c = senderOf(carol.who, gid);
    for (const f of [a.frame(100), c.frame(101), a.frame(102), c.frame(103)]) bob.groups.push(f);
    await hub.settle();
    await bob.groups.acceptShares([a.share]);
    assert.equal(hub.resends.length, 0, "carol's message still waits");
    await bob.groups.acceptShares([c.share]);
    assert.equal(hub.resends[0]?.f.afterGseq, 102);
  });

  it('asks nothing of a relay that does not announce it, and says the rest comes next session', async () => {
    const { hub, bob, a, at, shown, notices } = await stopped(0);
    assert.equal(notices[0]?.resumes, false);
    await bob.groups.acceptShares([a.share]);
    bob.groups.push(at(105));
    await hub.settle();
    assert.equal(hub.resends.length, 0);
    assert.deepEqual(numbers(shown), [1, 2, 3]);
    assert.equal(ackedBy(hub, bob), 102);
  });
});
