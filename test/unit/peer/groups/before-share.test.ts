/**
 * A member added while another was away (docs/groups.md "Receiving"): the away member
 * seals a message for the members it knows, the relay stores it after the add, so the
 * newcomer receives it, and the share it then gets starts after it. That message was
 * never meant for the newcomer: dropped quietly, not reported as damaged or forged. Keys
 * that are really gone (evicted) or out of reach are still reported.
 */
import assert from 'node:assert/strict';
import { randomBytes } from '../../../../src/crypto/random.js';
import {
  MAX_SKIPPED_GROUP_KEYS,
  newSenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../../../src/crypto/sender-keys.js';
import { encodeSenderChainShare } from '../../../../src/crypto/sender-keys-codec.js';
import { PREFIX } from '../../../../src/peer/store.js';
import { fromHex } from '../../../../src/util/bytes.js';
import { systemClock } from '../../../../src/util/clock.js';
import { encodeGroupPlain } from '../../../../src/wire/codec.js';
import { collect, GroupHub, type Member, teamOfTwo } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

async function unread(m: Member): Promise<string[]> {
  return (await m.history.takeUnread()).map((e) => `${e.peer.pseudonym}: ${e.text}`);
}

const heldKeys = (m: Member) => [...m.kv.data.keys()].filter((k) => k.startsWith(PREFIX.heldGroup));

/**
 * alice (admin) and bob in 'team', bob's chain already used once; then, while bob is
 * away from the group's stream, alice adds dave and bob sends 'sealed before the add'
 * (index 1, for alice only). Returns with that message still in bob's outbox and bob
 * not yet aware of dave.
 */
async function raceUpToTheAdd() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const bob = await hub.join(person('bob'));
  const dave = await hub.join(person('dave'));
  await alice.groups.create('team', ['bob']);
  await hub.settle();
  await bob.groups.send('team', 'first');
  await hub.deliverMail();
  assert.deepEqual(await unread(alice), ['bob: first']);
  hub.hold(bob);
  await alice.groups.add('team', 'dave');
  await hub.settle();
  await bob.groups.send('team', 'sealed before the add');
  assert.equal(bob.groups.info('team').members.length, 2, 'bob has not seen the add');
  const damaged = collect(dave, 'message:damaged');
  const rejected = collect(dave, 'message:rejected');
  return { hub, alice, bob, dave, damaged, rejected };
}

async function assertNothingReported(dave: Member, damaged: unknown[], rejected: unknown[]) {
  assert.deepEqual(damaged, [], 'no message:damaged');
  assert.deepEqual(rejected, [], 'no message:rejected');
  assert.deepEqual(await dave.damagedReports.take(), [], 'nothing for takeDamaged()');
  assert.equal(dave.groups.damagedMessages(), 0);
}

describe('groups: a message sealed before its sender learned of an add', () => {
  it('is dropped quietly when it came before the sender key and was held for it', async () => {
    const { hub, alice, bob, dave, damaged, rejected } = await raceUpToTheAdd();
    // The relay stores it after the add: dave gets it, with no chain of bob's yet.
    await hub.deliverMail();
    assert.equal(heldKeys(dave).length, 1, 'held for bob’s sender key');
    // bob comes back, learns of the add, and gives dave his chain at index 2.
    await hub.release(bob);
    assert.equal(bob.groups.info('team').members.length, 3);
    await hub.deliverMail();
    assert.deepEqual(heldKeys(dave), [], 'no longer held');
    await assertNothingReported(dave, damaged, rejected);
    assert.deepEqual(await unread(dave), []);
    await bob.groups.send('team', 'welcome dave');
    await hub.deliverMail();
    assert.deepEqual(await unread(dave), ['bob: welcome dave']);
    assert.deepEqual(await unread(alice), ['bob: sealed before the add', 'bob: welcome dave']);
    await assertNothingReported(dave, damaged, rejected);
  });

  it('is dropped quietly when the sender key came first', async () => {
    const { hub, alice, bob, dave, damaged, rejected } = await raceUpToTheAdd();
    await hub.release(bob);
    await hub.deliverMail((kind) => kind === 'sender-key');
    await hub.deliverMail();
    assert.deepEqual(heldKeys(dave), []);
    await assertNothingReported(dave, damaged, rejected);
    await bob.groups.send('team', 'welcome dave');
    await hub.deliverMail();
    assert.deepEqual(await unread(dave), ['bob: welcome dave']);
    assert.deepEqual(await unread(alice), ['bob: sealed before the add', 'bob: welcome dave']);
    await assertNothingReported(dave, damaged, rejected);
  });

  it('still reports a message whose key was evicted, or that jumps past the window, as key-unavailable', async () => {
    const { hub, alice, bob, info } = await teamOfTwo();
    const groupId = fromHex(info.groupId);
    // A chain of alice's, shared with bob at index 1 (one message sealed before the share).
    const chain = newSenderChain();
    const seal = () =>
      sealGroupMessage(
        chain,
        { groupId, epoch: 0, sender: alice.who.id.signPk, messageId: randomBytes(16) },
        encodeGroupPlain({
          sentAtMs: systemClock.now(),
          senderName: 'alice',
          text: `m${chain.index}`,
          fileOffer: null,
        }),
      );
    seal();
    const share = encodeSenderChainShare(senderChainShare(chain));
    await bob.groups.acceptShares([{ from: alice.who.id.signPk, groupId, epoch: 0, share }]);
    const sealed = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 3 }, seal);
    const damaged = collect(bob, 'message:damaged');
    let gseq = 100;
    const push = (body: Uint8Array) =>
      bob.groups.push({
        type: 'group-deliver',
        groupId,
        gseq: gseq++,
        storedAtMs: 1,
        item: { kind: 'message', from: alice.who.id.signPk, msgId: body.slice(53, 69), body },
      });
    // Indexes 1001 then 1003: the key of index 1 (the share's own) is evicted.
    push(sealed[MAX_SKIPPED_GROUP_KEYS] as Uint8Array);
    push(sealed[MAX_SKIPPED_GROUP_KEYS + 2] as Uint8Array);
    push(sealed[0] as Uint8Array);
    await hub.settle();
    // Next expected is 1004: index 2005 would skip MAX_SKIPPED_GROUP_KEYS + 1 keys.
    const far = Array.from({ length: MAX_SKIPPED_GROUP_KEYS + 2 }, seal).at(-1) as Uint8Array;
    push(far);
    await hub.settle();
    assert.deepEqual(
      damaged.map((d) => [d.reason, d.seq]),
      [
        ['key-unavailable', 102],
        ['key-unavailable', 103],
      ],
    );
    assert.equal(bob.groups.damagedMessages(), 2);
    assert.deepEqual(await unread(bob), ['alice: m1001', 'alice: m1003']);
  });
});
