/**
 * Groups in the chat UI, without a screen: the group commands' parsing, member
 * completion, the state's group conversations and mentions, and the words of
 * membership changes.
 */
import assert from 'node:assert/strict';
import type { GroupNotice, ReceivedMessage } from '../../../src/peer/events.js';
import { parseInput } from '../../../src/peer/ui/commands/index.js';
import { completionAt } from '../../../src/peer/ui/completion.js';
import { GroupBook } from '../../../src/peer/ui/group-book.js';
import { endsMyMembership, groupNoticeText } from '../../../src/peer/ui/groups.js';
import { ChatState, labelOf } from '../../../src/peer/ui/state.js';
import { groupConv, groupId, member } from './fake-groups.js';

const ok = (line: string) => {
  const r = parseInput(line);
  assert.ok(r.ok, `${line}: ${r.ok ? '' : r.error}`);
  return r.command;
};
const err = (line: string) => {
  const r = parseInput(line);
  assert.ok(!r.ok, `${line} should be refused`);
  return r.error;
};

const TEAM = groupConv('1');
const team = (myRole: 'admin' | 'member' | null = 'admin') => ({
  conversation: TEAM,
  groupId: groupId('1'),
  name: 'team',
  epoch: 0,
  members: [member('alice', 'admin'), member('bob'), member('Carol')],
  myRole,
});

const groupMsg = (from: string, text: string, at = 1_000): ReceivedMessage => ({
  conversation: TEAM,
  from: { pseudonym: from, userId: `id-${from}`, fingerprint: 'aaaa-bbbb-cccc-dddd' },
  text,
  sentAtMs: at,
  receivedAtMs: at,
  msgId: `${from}-${at}`,
  group: { name: 'team' },
});

describe('ui groups: parsing the group commands', () => {
  it('parses /group create with members separated by spaces or commas', () => {
    assert.deepEqual(ok('/group create team bob carol'), {
      kind: 'group',
      action: 'create',
      name: 'team',
      members: ['bob', 'carol'],
    });
    assert.deepEqual(ok('/group CREATE #team bob,carol, dave'), {
      kind: 'group',
      action: 'create',
      name: 'team',
      members: ['bob', 'carol', 'dave'],
    });
    assert.deepEqual(ok('/group create solo'), {
      kind: 'group',
      action: 'create',
      name: 'solo',
      members: [],
    });
  });

  it('parses the commands that act on the open group', () => {
    assert.deepEqual(ok('/invite bob'), { kind: 'invite', name: 'bob' });
    assert.deepEqual(ok('/add bob'), { kind: 'invite', name: 'bob' });
    assert.deepEqual(ok('/kick bob'), { kind: 'kick', name: 'bob' });
    assert.deepEqual(ok('/remove bob'), { kind: 'kick', name: 'bob' });
    assert.deepEqual(ok('/promote bob'), { kind: 'promote', name: 'bob' });
    assert.deepEqual(ok('/demote bob'), { kind: 'demote', name: 'bob' });
    assert.deepEqual(ok('/members'), { kind: 'members' });
    assert.deepEqual(ok('/names'), { kind: 'members' });
    assert.deepEqual(ok('/rename the new team'), { kind: 'rename', name: 'the new team' });
    assert.deepEqual(ok('/rename #ops'), { kind: 'rename', name: 'ops' });
    assert.deepEqual(ok('/leave'), { kind: 'leave' });
    assert.deepEqual(ok('/part'), { kind: 'leave' });
  });

  it('answers bad usage with the usage line', () => {
    assert.match(err('/group'), /usage: \/group create NAME \[MEMBERS\.\.\.\]/);
    assert.match(err('/group create'), /usage: \/group create/);
    assert.match(err('/group list'), /usage: \/group create/);
    assert.match(err('/group create #'), /usage: \/group create/);
    assert.match(err('/invite'), /usage: \/invite NAME/);
    assert.match(err('/invite bob carol'), /usage: \/invite NAME/);
    assert.match(err('/kick'), /usage: \/kick NAME/);
    assert.match(err('/promote'), /usage: \/promote NAME/);
    assert.match(err('/demote bob carol'), /usage: \/demote NAME/);
    assert.match(err('/members bob'), /usage: \/members/);
    assert.match(err('/rename'), /usage: \/rename NEWNAME/);
    assert.match(err('/leave now'), /usage: \/leave/);
  });
});

describe('ui groups: Tab completion of members', () => {
  const names = ['bob', 'barbara', 'carol', 'dave'];
  const members = ['bob', 'Carol'];

  it('offers the open group’s members after /kick, and anyone after /invite', () => {
    assert.deepEqual(completionAt('/kick ', 6, names, members)?.candidates, ['bob', 'Carol']);
    assert.deepEqual(completionAt('/kick c', 7, names, members)?.candidates, ['Carol']);
    assert.deepEqual(completionAt('/invite b', 9, names, members)?.candidates, ['barbara', 'bob']);
    assert.deepEqual(completionAt('/kick b', 7, names)?.candidates, [], 'no group open');
    assert.deepEqual(completionAt('/group c', 8, names)?.candidates, ['create']);
  });

  it('completes my groups after /msg #, and only there', () => {
    const groups = ['Team Two', 'ops', 'OPS', 'team'];
    const at = (line: string) =>
      completionAt(line, line.length, names, undefined, undefined, groups);
    assert.deepEqual(at('/msg #T')?.candidates, ['#team', '#Team Two']);
    assert.deepEqual(at('/msg #team ')?.candidates, ['#Team Two'], 'a space is part of a name');
    assert.deepEqual(at('/msg #')?.candidates, ['#ops', '#team', '#Team Two'], 'one per name');
    assert.equal(at('/msg #team ')?.start, 5);
    assert.deepEqual(at('/query #o')?.candidates, ['#ops']);
    assert.deepEqual(at('/verify #t')?.candidates, [], 'people only after /verify');
    assert.deepEqual(at('hi #t')?.candidates, [], 'not in a message');
  });

  it('completes members, not everyone, in a group message', () => {
    assert.deepEqual(completionAt('hi b', 4, names, members)?.candidates, ['bob']);
    assert.deepEqual(completionAt('cc @c', 5, names, members)?.candidates, ['@Carol']);
    assert.deepEqual(completionAt('ask d', 5, names, members)?.candidates, []);
    assert.deepEqual(completionAt('ask d', 5, names)?.candidates, ['dave'], 'in a 1:1 chat');
  });
});

describe('ui groups: state', () => {
  it('files a group message under the group, named by the group, not the sender', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.setGroup(team());
    s.received(groupMsg('bob', 'hello'));
    const conv = s.get(TEAM)!;
    assert.equal(conv.kind, 'group');
    assert.equal(conv.name, 'team');
    assert.equal(labelOf(conv), '#team');
    assert.equal(conv.unread, 1);
    assert.equal(s.conversations.length, 1);
    assert.deepEqual(s.names(), [], 'a group is not a person to message');
  });

  it('counts a mention in a group only for @name, in any case', () => {
    const s = new ChatState({ pseudonym: 'Alice', fingerprint: 'f' });
    s.setGroup(team());
    assert.equal(s.received(groupMsg('bob', 'alice said so', 1)).mention, false);
    assert.equal(s.get(TEAM)?.mentioned, false);
    assert.equal(s.received(groupMsg('bob', 'mail@alice.example', 2)).mention, false);
    assert.equal(s.received(groupMsg('bob', 'ping @ALICE!', 3)).mention, true);
    assert.equal(s.get(TEAM)?.mentioned, true);
    assert.equal(s.get(TEAM)?.unread, 3);
  });

  it('renames the conversation with the group, and lists members but me for Tab', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.setGroup(team());
    s.setGroup({ ...team(), name: 'ops' });
    assert.equal(s.get(TEAM)?.name, 'ops');
    assert.deepEqual(s.members(TEAM), ['bob', 'Carol']);
    s.ensure('bob');
    assert.equal(s.members('@bob'), undefined, 'a 1:1 chat has no members');
    assert.equal(s.members(null), undefined);
  });

  it('keeps a group’s id through a save and a restore', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.setGroup(team());
    s.received(groupMsg('bob', 'hi'));
    s.ensure('bob');
    const again = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    again.restore(s.snapshot());
    assert.deepEqual(
      again.conversations.map((c) => [c.id, c.kind, c.name, c.unread]),
      [
        [TEAM, 'group', 'team', 1],
        ['@bob', 'direct', 'bob', 0],
      ],
    );
  });
});

describe('ui groups: telling same-named groups apart', () => {
  const group = (id: string, name: string) => ({
    ...team(),
    conversation: `#${id}` as ReturnType<typeof groupConv>,
    groupId: id,
    name,
  });

  it('tags a group with the shortest id prefix, four hex digits or more, only while another has its name', () => {
    const book = new GroupBook();
    const [a, b, c] = [`abcde${'1'.repeat(27)}`, `abcdf${'2'.repeat(27)}`, `99${'3'.repeat(30)}`];
    book.set(group(a, 'ops'));
    assert.equal(book.idTag(`#${a}`), null, 'alone with its name');
    book.set(group(c, 'team'));
    assert.equal(book.idTag(`#${a}`), null, 'other names do not count');
    book.set(group(b, 'OPS'));
    assert.equal(book.idTag(`#${a}`), 'abcde', 'abcd starts both ids');
    assert.equal(book.idTag(`#${b}`), 'abcdf');
    assert.equal(book.idTag(`#${c}`), null);
    assert.equal(book.idTag('#nope'), null);
  });
});

describe('ui groups: membership changes in words', () => {
  it('says who did what, and calls the user you', () => {
    const said = (n: Parameters<typeof groupNoticeText>[0]) => groupNoticeText(n, 'Alice');
    assert.equal(said({ kind: 'created', by: 'alice' }), 'you created the group');
    assert.equal(said({ kind: 'added', by: 'alice', member: 'carol' }), 'you added carol');
    assert.equal(said({ kind: 'added', by: 'bob', member: 'ALICE' }), 'bob added you');
    assert.equal(said({ kind: 'removed', by: 'bob', member: 'carol' }), 'bob removed carol');
    assert.equal(said({ kind: 'promoted', by: 'bob', member: 'carol' }), 'bob made carol an admin');
    assert.equal(
      said({ kind: 'demoted', by: 'bob', member: 'carol' }),
      'bob made carol a member (no longer admin)',
    );
    assert.equal(
      said({ kind: 'renamed', by: 'bob', from: 'team', to: 'x' }),
      'bob renamed the group to x',
    );
    assert.equal(said({ kind: 'left', member: 'bob' }), 'bob left');
    assert.equal(said({ kind: 'demoted', by: 'bob', member: 'Bob' }), 'bob stepped down as admin');
    assert.equal(
      said({ kind: 'demoted', by: 'alice', member: 'alice' }),
      'you stepped down as admin',
    );
  });

  it('sanitises every name and the new group name', () => {
    const text = groupNoticeText(
      { kind: 'renamed', by: 'ev\u202eil\x1b[2J', from: 'a', to: 'x\u200by\nz' },
      'alice',
    );
    assert.equal(text, 'evil[2J renamed the group to xy z');
  });

  it('names people by pseudonym and sanitises them in every kind of change, admin changes too', () => {
    const evil = 'ev\u202eil\x1b[2J';
    const notices: GroupNotice[] = [
      { kind: 'created', by: evil },
      { kind: 'added', by: evil, member: evil },
      { kind: 'removed', by: evil, member: evil },
      { kind: 'left', member: evil },
      { kind: 'promoted', by: evil, member: 'bob' },
      { kind: 'demoted', by: 'bob', member: evil },
      { kind: 'demoted', by: evil, member: evil },
      { kind: 'renamed', by: evil, from: evil, to: evil },
    ];
    for (const n of notices) {
      const text = groupNoticeText(n, 'alice');
      assert.doesNotMatch(text, /[\u001b\u202e]/, n.kind);
      assert.match(text, /evil\[2J/, n.kind);
    }
  });

  it('knows which changes end my membership', () => {
    assert.ok(endsMyMembership({ kind: 'removed', by: 'bob', member: 'alice' }, 'Alice'));
    assert.ok(endsMyMembership({ kind: 'left', member: 'alice' }, 'alice'));
    assert.ok(!endsMyMembership({ kind: 'removed', by: 'alice', member: 'bob' }, 'alice'));
    assert.ok(!endsMyMembership({ kind: 'added', by: 'bob', member: 'alice' }, 'alice'));
  });
});
