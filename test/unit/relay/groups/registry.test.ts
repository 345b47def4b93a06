/**
 * The relay's group registry (src/relay/groups/registry.ts): a change is applied
 * only when its signature and chain hold and the relay's own rules allow it, and
 * each refusal has its stable code.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { GroupRegistry } from '../../../../src/relay/groups/registry.js';
import { toHex } from '../../../../src/util/bytes.js';
import type { GroupChange } from '../../../../src/wire/types.js';
import { TestGroup } from '../../../helpers/groups.js';

const alice = generateIdentity();
const bob = generateIdentity();
const carol = generateIdentity();
const stranger = generateIdentity();
const hex = (id: { signPk: Uint8Array }) => toHex(id.signPk);

function setup(maxGroupsPerUser = 10, maxGroupsAddedByOne = 10) {
  const registered = new Set([alice, bob, carol].map(hex));
  return new GroupRegistry({
    maxGroupsPerUser,
    maxGroupsAddedByOne,
    isRegistered: (u) => registered.has(u),
  });
}

function apply(registry: GroupRegistry, change: GroupChange, by: string) {
  const checked = registry.check(change, by);
  if (!checked.ok) throw new Error(`refused: ${checked.code}`);
  registry.set(checked.next);
  return checked;
}

function refusal(registry: GroupRegistry, change: GroupChange, by: string): string {
  const checked = registry.check(change, by);
  assert.equal(checked.ok, false, 'the change was accepted');
  return checked.ok ? '' : checked.code;
}

describe('relay group registry', () => {
  it('applies a create and indexes every member', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    const checked = apply(registry, group.create, hex(alice));
    assert.deepEqual(checked.membership.joined, [hex(alice), hex(bob)]);
    assert.deepEqual([...registry.groupsOf(hex(bob))], [group.gidHex]);
    assert.equal(registry.get(group.gidHex)?.state.name, 'team');
  });

  it('sends a removal to the removed member too, and forgets its membership', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk, carol.signPk]);
    apply(registry, group.create, hex(alice));
    const checked = apply(
      registry,
      group.change(alice, { op: 'remove', target: carol.signPk }),
      hex(alice),
    );
    assert.ok(checked.recipients.includes(hex(carol)));
    assert.deepEqual(checked.membership.left, [hex(carol)]);
    assert.equal(registry.groupsOf(hex(carol)).size, 0);
    assert.equal(registry.get(group.gidHex)?.state.epoch, 1);
  });

  it('refuses a change signed by another user than the sender (E_GROUP_NOT_AUTHOR)', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    assert.equal(refusal(registry, group.create, hex(bob)), 'E_GROUP_NOT_AUTHOR');
  });

  it('refuses a change to a group it does not hold (E_GROUP_UNKNOWN)', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    const rename = group.sign(alice, { op: 'rename', name: 'other' });
    assert.equal(refusal(registry, rename, hex(alice)), 'E_GROUP_UNKNOWN');
  });

  it('refuses a change from a non-member (E_NOT_GROUP_MEMBER)', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    apply(registry, group.create, hex(alice));
    const leave = group.sign(carol, { op: 'leave', target: carol.signPk });
    assert.equal(refusal(registry, leave, hex(carol)), 'E_NOT_GROUP_MEMBER');
  });

  it("forwards the chain's codes: not admin, forged, forked", () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    apply(registry, group.create, hex(alice));
    const byMember = group.sign(bob, { op: 'add', target: carol.signPk });
    assert.equal(refusal(registry, byMember, hex(bob)), 'E_GROUP_NOT_ADMIN');
    const forged = { ...group.sign(alice, { op: 'rename', name: 'x' }), name: 'y' };
    assert.equal(refusal(registry, forged, hex(alice)), 'E_GROUP_BAD_SIGNATURE');
    const first = group.sign(alice, { op: 'rename', name: 'one' });
    const fork = group.sign(alice, { op: 'rename', name: 'two' });
    apply(registry, first, hex(alice));
    assert.equal(refusal(registry, fork, hex(alice)), 'E_GROUP_CHAIN_BROKEN');
    assert.equal(refusal(registry, group.create, hex(alice)), 'E_GROUP_CHAIN_BROKEN');
  });

  it('refuses members who are not registered here (E_UNKNOWN_USER)', () => {
    const registry = setup();
    const group = TestGroup.create(alice, 'team', [stranger.signPk]);
    assert.equal(refusal(registry, group.create, hex(alice)), 'E_UNKNOWN_USER');
  });

  it('refuses to put a user in more groups than maxGroupsPerUser (E_GROUP_TOO_MANY_GROUPS)', () => {
    const registry = setup(2);
    for (let i = 0; i < 2; i++) {
      apply(registry, TestGroup.create(alice, `g${i}`, [bob.signPk]).create, hex(alice));
    }
    const third = TestGroup.create(carol, 'third', [bob.signPk]);
    assert.equal(refusal(registry, third.create, hex(carol)), 'E_GROUP_TOO_MANY_GROUPS');
    const own = TestGroup.create(alice, 'mine');
    assert.equal(refusal(registry, own.create, hex(alice)), 'E_GROUP_TOO_MANY_GROUPS');
  });

  it('refuses to let one user put another in more than maxGroupsAddedByOne groups (E_GROUP_TOO_MANY_FROM_ONE)', () => {
    const registry = setup(10, 2);
    const mine = [0, 1].map((i) => TestGroup.create(alice, `g${i}`, [bob.signPk]));
    for (const g of mine) apply(registry, g.create, hex(alice));
    assert.equal(registry.addedBy(hex(bob), hex(alice)), 2);
    // A third, by create or by add, is refused to alice; carol may still add bob.
    const third = TestGroup.create(alice, 'third', [bob.signPk, carol.signPk]);
    assert.equal(refusal(registry, third.create, hex(alice)), 'E_GROUP_TOO_MANY_FROM_ONE');
    const withCarol = TestGroup.create(alice, 'with-carol', [carol.signPk]);
    apply(registry, withCarol.create, hex(alice));
    const add = withCarol.change(alice, { op: 'add', target: bob.signPk });
    assert.equal(refusal(registry, add, hex(alice)), 'E_GROUP_TOO_MANY_FROM_ONE');
    apply(registry, TestGroup.create(carol, 'carols', [bob.signPk]).create, hex(carol));
    // Groups bob creates himself count for nobody.
    for (let i = 0; i < 3; i++) apply(registry, TestGroup.create(bob, `b${i}`).create, hex(bob));
    assert.equal(registry.groupsOf(hex(bob)).size, 6);
    // Bob leaves one of alice's groups: alice may put him in one again.
    apply(registry, mine[0]!.change(bob, { op: 'leave', target: bob.signPk }), hex(bob));
    assert.equal(registry.addedBy(hex(bob), hex(alice)), 1);
    apply(registry, add, hex(alice));
    assert.equal(registry.addedBy(hex(bob), hex(alice)), 2);
    // A group forgotten (before it is rebuilt) takes its counts with it.
    registry.delete(withCarol.gidHex);
    assert.equal(registry.addedBy(hex(bob), hex(alice)), 1);
  });
});
