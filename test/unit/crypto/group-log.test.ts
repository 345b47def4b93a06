import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import {
  GENESIS_PREV_HASH,
  type GroupChange,
  type GroupChangeBody,
  groupChangeBytes,
  groupChangeHash,
  groupNameProblem,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_CHARS,
  type UnsignedGroupChange,
} from '../../../src/crypto/group-change.js';
import { GroupCode } from '../../../src/crypto/group-errors.js';
import {
  applyChange,
  type GroupState,
  memberRole,
  prepareChange,
  prepareCreate,
  signChange,
  verifyLog,
} from '../../../src/crypto/group-log.js';
import { generateSigningKeyPair, type SigningKeyPair } from '../../../src/crypto/sign.js';
import { bytesEqual, fromHex, toHex } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

interface LogVector {
  authorSeed: string;
  author: string;
  member: string;
  groupId: string;
  records: Array<{
    seq: number;
    op: 'create' | 'rename' | 'remove';
    prevHash: string;
    target: string;
    name: string;
    canonical: string;
    signature: string;
    hash: string;
  }>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/group-vectors.json', import.meta.url), 'utf8'),
) as { groupLog: LogVector };

type Body = Exclude<GroupChangeBody, { op: 'create' }>;

/** `who`'s signed record applying `body` on top of `state`. */
function change(state: GroupState, who: SigningKeyPair, body: Body): GroupChange {
  return signChange(who.secretKey, prepareChange(state, who.publicKey, body));
}

function flip(bytes: Uint8Array, index = 0): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ 1;
  return copy;
}

const alice = generateSigningKeyPair();
const bob = generateSigningKeyPair();
const carol = generateSigningKeyPair();
const dave = generateSigningKeyPair();

/** alice (admin) creates 'team' with bob and carol as members. */
function team(): { log: GroupChange[]; state: GroupState } {
  const create = signChange(
    alice.secretKey,
    prepareCreate(alice.publicKey, 'team', [bob.publicKey, carol.publicKey]),
  );
  return { log: [create], state: applyChange(null, create) };
}

function roles(state: GroupState): string[] {
  return state.members.map((m) => {
    const who = [alice, bob, carol, dave].findIndex((k) => bytesEqual(k.publicKey, m.userId));
    return `${['alice', 'bob', 'carol', 'dave'][who] ?? '?'}:${m.role}`;
  });
}

describe('crypto/group-log', () => {
  describe('known answer (test/fixtures/group-vectors.json)', () => {
    const v = vectors.groupLog;
    const author = nacl.sign.keyPair.fromSeed(fromHex(v.authorSeed));
    const records: GroupChange[] = v.records.map((r) => {
      const base = {
        groupId: fromHex(v.groupId),
        seq: r.seq,
        prevHash: fromHex(r.prevHash),
        author: fromHex(v.author),
        signature: fromHex(r.signature),
      };
      if (r.op === 'create') {
        return {
          ...base,
          op: 'create',
          name: r.name,
          members: [
            { userId: fromHex(v.author), role: 'admin' },
            { userId: fromHex(v.member), role: 'member' },
          ],
        };
      }
      return r.op === 'rename'
        ? { ...base, op: 'rename', name: r.name }
        : { ...base, op: 'remove', target: fromHex(r.target) };
    });

    it('encodes every record to the independently computed canonical bytes', () => {
      for (const [i, r] of v.records.entries()) {
        assert.equal(toHex(groupChangeBytes(records[i]!)), r.canonical, `record ${i}`);
      }
    });

    it('signs each record to the independently computed signature and hash', () => {
      for (const [i, r] of v.records.entries()) {
        const { signature: _, ...unsigned } = records[i]!;
        const signed = signChange(author.secretKey, unsigned as UnsignedGroupChange);
        assert.equal(toHex(signed.signature), r.signature, `record ${i}`);
        assert.equal(toHex(groupChangeHash(signed)), r.hash, `record ${i}`);
      }
    });

    it('verifies the log to the state it describes', () => {
      const state = verifyLog(records);
      assert.equal(state.name, 'lunch');
      assert.equal(state.seq, 2);
      assert.equal(state.epoch, 1);
      assert.equal(toHex(state.headHash), v.records[2]!.hash);
      assert.deepEqual(
        state.members.map((m) => [toHex(m.userId), m.role]),
        [[v.author, 'admin']],
      );
    });

    it('hashes the canonical bytes followed by the signature', () => {
      const r = records[0]!;
      const expected = createHash('sha256')
        .update(groupChangeBytes(r))
        .update(r.signature)
        .digest('hex');
      assert.equal(toHex(groupChangeHash(r)), expected);
    });
  });

  describe('canonical bytes', () => {
    it('change with every field of the record', () => {
      const { state } = team();
      const base = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      const reference = toHex(groupChangeBytes(base));
      const variants: UnsignedGroupChange[] = [
        { ...base, groupId: flip(base.groupId) },
        { ...base, seq: base.seq + 1 },
        { ...base, prevHash: flip(base.prevHash) },
        { ...base, op: 'remove' },
        { ...base, author: bob.publicKey },
        { ...base, target: carol.publicKey },
      ];
      for (const variant of variants) assert.notEqual(toHex(groupChangeBytes(variant)), reference);
    });

    it("read only the fields of the record's op, so a record has one encoding", () => {
      const { state } = team();
      const add = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      const stray = { ...add, name: 'ignored', members: [] } as UnsignedGroupChange;
      assert.equal(toHex(groupChangeBytes(stray)), toHex(groupChangeBytes(add)));
    });

    it('start with the group-change domain tag', () => {
      const { log } = team();
      const bytes = groupChangeBytes(log[0]!);
      assert.equal(Buffer.from(bytes.subarray(0, 23)).toString(), 'natter-group-change-v1\0');
    });
  });

  describe('applying valid records', () => {
    it('follows create, add, promote, demote, rename, remove and leave', () => {
      const { log, state: created } = team();
      assert.deepEqual(roles(created), ['alice:admin', 'bob:member', 'carol:member']);
      assert.equal(created.seq, 0);
      assert.equal(created.epoch, 0);
      assert.equal(created.name, 'team');
      assert.equal(toHex(created.headHash), toHex(groupChangeHash(log[0]!)));

      const steps: Array<[SigningKeyPair, Body, string[], number]> = [
        [
          alice,
          { op: 'add', target: dave.publicKey },
          ['alice:admin', 'bob:member', 'carol:member', 'dave:member'],
          0,
        ],
        [
          alice,
          { op: 'promote', target: bob.publicKey },
          ['alice:admin', 'bob:admin', 'carol:member', 'dave:member'],
          0,
        ],
        [
          bob,
          { op: 'demote', target: alice.publicKey },
          ['alice:member', 'bob:admin', 'carol:member', 'dave:member'],
          0,
        ],
        [
          bob,
          { op: 'rename', name: 'lunch crew' },
          ['alice:member', 'bob:admin', 'carol:member', 'dave:member'],
          0,
        ],
        [
          bob,
          { op: 'remove', target: carol.publicKey },
          ['alice:member', 'bob:admin', 'dave:member'],
          1,
        ],
        [dave, { op: 'leave', target: dave.publicKey }, ['alice:member', 'bob:admin'], 2],
      ];
      let state = created;
      for (const [who, body, expected, epoch] of steps) {
        const next = change(state, who, body);
        log.push(next);
        state = applyChange(state, next);
        assert.deepEqual(roles(state), expected, body.op);
        assert.equal(state.epoch, epoch, `epoch after ${body.op}`);
        assert.equal(toHex(state.headHash), toHex(groupChangeHash(next)));
      }
      assert.equal(state.name, 'lunch crew');
      assert.equal(state.seq, 6);
      assert.deepEqual(verifyLog(log), state);
    });

    it('keeps the epoch on add (the newcomer gets current chains) and bumps it on remove and leave', () => {
      let { state } = team();
      state = applyChange(state, change(state, alice, { op: 'add', target: dave.publicKey }));
      assert.equal(state.epoch, 0);
      state = applyChange(state, change(state, alice, { op: 'remove', target: dave.publicKey }));
      assert.equal(state.epoch, 1);
      state = applyChange(state, change(state, bob, { op: 'leave', target: bob.publicKey }));
      assert.equal(state.epoch, 2);
    });

    it('leaves the previous state untouched', () => {
      const { state } = team();
      const before = structuredClone(state);
      applyChange(state, change(state, alice, { op: 'remove', target: bob.publicKey }));
      assert.deepEqual(state, before);
    });

    it('lets the last member, even the only admin, leave; nobody can sign for the group after', () => {
      const create = signChange(alice.secretKey, prepareCreate(alice.publicKey, 'solo'));
      let state = applyChange(null, create);
      state = applyChange(state, change(state, alice, { op: 'leave', target: alice.publicKey }));
      assert.equal(state.members.length, 0);
      assert.equal(state.epoch, 1);
      const add = change(state, alice, { op: 'add', target: bob.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, add)),
        GroupCode.NotAdmin,
      );
    });

    it('lets an admin leave when another admin remains', () => {
      let { state } = team();
      state = applyChange(state, change(state, alice, { op: 'promote', target: bob.publicKey }));
      state = applyChange(state, change(state, alice, { op: 'leave', target: alice.publicKey }));
      assert.deepEqual(roles(state), ['bob:admin', 'carol:member']);
      assert.equal(memberRole(state, alice.publicKey), null);
    });
  });

  describe('refusing records the relay or a member could forge', () => {
    it('refuses a forged signature', () => {
      const { state } = team();
      const add = change(state, alice, { op: 'add', target: dave.publicKey });
      const forged = { ...add, signature: flip(add.signature, 5) };
      assert.equal(
        codeOf(() => applyChange(state, forged)),
        GroupCode.BadSignature,
      );
    });

    it('refuses a record signed by someone else than its author (a member signing as the admin)', () => {
      const { state } = team();
      const unsigned = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      const byBob = {
        ...unsigned,
        signature: signChange(bob.secretKey, { ...unsigned, author: bob.publicKey }).signature,
      };
      assert.equal(
        codeOf(() => applyChange(state, byBob)),
        GroupCode.BadSignature,
      );
    });

    it('refuses a record changed after signing (a ghost member swapped in)', () => {
      const { state } = team();
      const add = signChange(
        alice.secretKey,
        prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey }),
      );
      const ghost = generateSigningKeyPair();
      assert.equal(
        codeOf(() => applyChange(state, { ...add, target: ghost.publicKey })),
        GroupCode.BadSignature,
      );
    });

    it('refuses an unsigned record (empty or all-zero signature)', () => {
      const { state } = team();
      const unsigned = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      for (const signature of [new Uint8Array(0), new Uint8Array(64)]) {
        assert.equal(
          codeOf(() => applyChange(state, { ...unsigned, signature })),
          GroupCode.BadSignature,
        );
      }
      const create = prepareCreate(alice.publicKey, 'x');
      assert.equal(
        codeOf(() => applyChange(null, { ...create, signature: new Uint8Array(64) })),
        GroupCode.BadSignature,
      );
    });

    it('refuses admin operations signed by a member or an outsider', () => {
      const { state } = team();
      const bodies: Body[] = [
        { op: 'add', target: dave.publicKey },
        { op: 'remove', target: carol.publicKey },
        { op: 'promote', target: carol.publicKey },
        { op: 'promote', target: bob.publicKey },
        { op: 'demote', target: alice.publicKey },
        { op: 'rename', name: 'mine now' },
      ];
      for (const who of [bob, dave]) {
        for (const body of bodies) {
          assert.equal(
            codeOf(() => applyChange(state, change(state, who, body))),
            GroupCode.NotAdmin,
            body.op,
          );
        }
      }
    });

    it('refuses a leave signed by someone other than the leaver, even an admin', () => {
      const { state } = team();
      const pushedOut = change(state, alice, { op: 'leave', target: bob.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, pushedOut)),
        GroupCode.BadChange,
      );
      const byCarol = change(state, carol, { op: 'leave', target: bob.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, byCarol)),
        GroupCode.BadChange,
      );
    });

    it('refuses records out of order, replayed, or not on the head', () => {
      const { log, state } = team();
      const first = change(state, alice, { op: 'add', target: dave.publicKey });
      const afterFirst = applyChange(state, first);
      const second = change(afterFirst, alice, { op: 'rename', name: 'later' });
      assert.equal(
        codeOf(() => applyChange(state, second)),
        GroupCode.ChainBroken,
      );
      assert.equal(
        codeOf(() => applyChange(afterFirst, first)),
        GroupCode.ChainBroken,
      );
      const wrongHead = signChange(alice.secretKey, {
        ...prepareChange(state, alice.publicKey, { op: 'rename', name: 'x' }),
        prevHash: flip(state.headHash),
      });
      assert.equal(
        codeOf(() => applyChange(state, wrongHead)),
        GroupCode.ChainBroken,
      );
      const skipped = signChange(alice.secretKey, {
        ...prepareChange(state, alice.publicKey, { op: 'rename', name: 'x' }),
        seq: 2,
      });
      assert.equal(
        codeOf(() => applyChange(state, skipped)),
        GroupCode.ChainBroken,
      );
      assert.equal(
        codeOf(() => verifyLog([log[0]!, second])),
        GroupCode.ChainBroken,
      );
    });

    it('refuses the second of two records on the same head (a fork), whichever comes first', () => {
      const { state } = team();
      const addDave = change(state, alice, { op: 'add', target: dave.publicKey });
      const removeBob = change(state, alice, { op: 'remove', target: bob.publicKey });
      const viaDave = applyChange(state, addDave);
      assert.equal(
        codeOf(() => applyChange(viaDave, removeBob)),
        GroupCode.ChainBroken,
      );
      const viaBob = applyChange(state, removeBob);
      assert.equal(
        codeOf(() => applyChange(viaBob, addDave)),
        GroupCode.ChainBroken,
      );
    });

    it('refuses a log that does not start with create, and an empty log', () => {
      const { state } = team();
      const add = change(state, alice, { op: 'add', target: dave.publicKey });
      assert.equal(
        codeOf(() => applyChange(null, add)),
        GroupCode.ChainBroken,
      );
      assert.equal(
        codeOf(() => verifyLog([])),
        GroupCode.ChainBroken,
      );
    });

    it("refuses another group's record", () => {
      const { state } = team();
      const other = team().state;
      const add = change(other, alice, { op: 'add', target: dave.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, add)),
        GroupCode.WrongGroup,
      );
    });
  });

  describe('refusing records that break the rules', () => {
    it('refuses a create with seq other than 0, a non-zero prevHash, or an author who is not an admin', () => {
      const base = prepareCreate(alice.publicKey, 'team', [bob.publicKey]);
      const cases: UnsignedGroupChange[] = [
        { ...base, seq: 1 },
        { ...base, prevHash: flip(GENESIS_PREV_HASH) },
        {
          ...base,
          members: [
            { userId: alice.publicKey, role: 'member' },
            { userId: bob.publicKey, role: 'admin' },
          ],
        },
        { ...base, members: [{ userId: bob.publicKey, role: 'admin' }] },
        {
          ...base,
          members: [
            { userId: alice.publicKey, role: 'admin' },
            { userId: alice.publicKey, role: 'admin' },
          ],
        },
        { ...base, members: [] },
      ];
      for (const [i, c] of cases.entries()) {
        assert.equal(
          codeOf(() =>
            applyChange(null, {
              ...c,
              signature: nacl.sign.detached(groupChangeBytes(c), alice.secretKey),
            }),
          ),
          GroupCode.BadChange,
          `case ${i}`,
        );
      }
    });

    it('refuses adding a member twice, and removing, promoting or demoting a non-member', () => {
      const { state } = team();
      const cases: Body[] = [
        { op: 'add', target: bob.publicKey },
        { op: 'remove', target: dave.publicKey },
        { op: 'promote', target: dave.publicKey },
        { op: 'demote', target: dave.publicKey },
        { op: 'promote', target: alice.publicKey },
        { op: 'demote', target: bob.publicKey },
        { op: 'rename', name: 'team' },
        { op: 'remove', target: alice.publicKey },
      ];
      for (const body of cases) {
        assert.equal(
          codeOf(() => applyChange(state, change(state, alice, body))),
          GroupCode.BadChange,
          body.op,
        );
      }
    });

    it('refuses a leave by a non-member', () => {
      const { state } = team();
      const leave = change(state, dave, { op: 'leave', target: dave.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, leave)),
        GroupCode.BadChange,
      );
    });

    it('keeps an admin: the only admin can neither leave while others remain nor demote themselves', () => {
      const { state } = team();
      const leave = change(state, alice, { op: 'leave', target: alice.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, leave)),
        GroupCode.LastAdmin,
      );
      const demote = change(state, alice, { op: 'demote', target: alice.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, demote)),
        GroupCode.LastAdmin,
      );
    });

    it('refuses malformed ids, keys and names', () => {
      const { state } = team();
      const add = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      const malformed: UnsignedGroupChange[] = [
        { ...add, groupId: new Uint8Array(15) },
        { ...add, prevHash: new Uint8Array(31) },
        { ...add, seq: -1 },
        { ...add, seq: 1.5 },
        { ...add, target: new Uint8Array(32) },
        { ...add, target: new Uint8Array(31) },
        { ...add, op: 'invite' } as unknown as UnsignedGroupChange,
      ];
      for (const [i, m] of malformed.entries()) {
        assert.equal(
          codeOf(() => groupChangeBytes(m)),
          GroupCode.BadChange,
          `case ${i}`,
        );
        assert.equal(
          codeOf(() => applyChange(state, { ...m, signature: new Uint8Array(64) })),
          GroupCode.BadChange,
        );
      }
      for (const name of [
        '',
        ' team',
        'team ',
        'a\u0000b',
        'a\u202eb',
        'a\u200bb',
        'line\nbreak',
        '\ud800',
      ]) {
        assert.notEqual(groupNameProblem(name), null, JSON.stringify(name));
        const rename = prepareChange(state, alice.publicKey, { op: 'rename', name });
        assert.equal(
          codeOf(() => signChange(alice.secretKey, rename)),
          GroupCode.BadChange,
        );
      }
      for (const name of ['team', 'lunch crew', 'équipe', '小组', 'ops 🚀', 'a-b_c.d']) {
        assert.equal(groupNameProblem(name), null, name);
      }
    });

    it(`refuses a name longer than MAX_GROUP_NAME_CHARS (${MAX_GROUP_NAME_CHARS}) characters`, () => {
      assert.equal(groupNameProblem('é'.repeat(MAX_GROUP_NAME_CHARS)), null);
      assert.notEqual(groupNameProblem('é'.repeat(MAX_GROUP_NAME_CHARS + 1)), null);
      assert.equal(
        codeOf(() =>
          signChange(
            alice.secretKey,
            prepareCreate(alice.publicKey, 'x'.repeat(MAX_GROUP_NAME_CHARS + 1)),
          ),
        ),
        GroupCode.BadChange,
      );
    });

    it('refuses to sign with a key that is not the author’s', () => {
      const { state } = team();
      const add = prepareChange(state, alice.publicKey, { op: 'add', target: dave.publicKey });
      assert.equal(
        codeOf(() => signChange(bob.secretKey, add)),
        GroupCode.BadChange,
      );
      assert.equal(
        codeOf(() => signChange(new Uint8Array(32), add)),
        GroupCode.BadChange,
      );
    });
  });

  describe(`MAX_GROUP_MEMBERS (${MAX_GROUP_MEMBERS})`, () => {
    const many = Array.from(
      { length: MAX_GROUP_MEMBERS },
      () => generateSigningKeyPair().publicKey,
    );

    it('creates a group of exactly MAX_GROUP_MEMBERS and refuses to add one more', () => {
      const create = signChange(
        alice.secretKey,
        prepareCreate(alice.publicKey, 'big', many.slice(1)),
      );
      const state = applyChange(null, create);
      assert.equal(state.members.length, MAX_GROUP_MEMBERS);
      const add = change(state, alice, { op: 'add', target: dave.publicKey });
      assert.equal(
        codeOf(() => applyChange(state, add)),
        GroupCode.TooManyMembers,
      );
    });

    it('refuses a create that lists more than MAX_GROUP_MEMBERS', () => {
      const unsigned = prepareCreate(alice.publicKey, 'too big', many);
      assert.equal(unsigned.op === 'create' && unsigned.members.length, MAX_GROUP_MEMBERS + 1);
      assert.equal(
        codeOf(() => signChange(alice.secretKey, unsigned)),
        GroupCode.TooManyMembers,
      );
      // Not signed by signChange, so applyChange's own check is what refuses it.
      const signature = new Uint8Array(64);
      assert.equal(
        codeOf(() => applyChange(null, { ...unsigned, signature })),
        GroupCode.TooManyMembers,
      );
    });
  });
});
