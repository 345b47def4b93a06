/**
 * `natter group` and `natter send --group` without a relay: arguments, usage
 * errors, and how groups and group messages are printed (peer text sanitised).
 */
import assert from 'node:assert/strict';
import { parseMemberList } from '../../../src/cli/commands/group.js';
import { formatMessage, messageJson } from '../../../src/cli/format.js';
import {
  formatGroupChange,
  formatGroupWarning,
  groupChangeJson,
  groupDetail,
  groupJson,
  groupRows,
  groupWarningJson,
} from '../../../src/cli/group-format.js';
import type { ConversationId, GroupInfo, ReceivedMessage } from '../../../src/peer/index.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const errorCode = (stderr: string) => /^natter: .+ \((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

const ID = 'ab'.repeat(16);
const CONV = `#${ID}` as ConversationId;
const EVIL = 'ev\u202eil\x1b[2J';

const team = (over: Partial<GroupInfo> = {}): GroupInfo => ({
  conversation: CONV,
  groupId: ID,
  name: 'team',
  epoch: 2,
  members: [
    { userId: '01', pseudonym: 'bob', fingerprint: 'bbbb-bbbb-bbbb-bbbb', role: 'member' },
    { userId: '02', pseudonym: 'alice', fingerprint: 'aaaa-aaaa-aaaa-aaaa', role: 'admin' },
  ],
  myRole: 'admin',
  ...over,
});

const inGroup = (text: string, name = 'team'): ReceivedMessage => ({
  conversation: CONV,
  from: { pseudonym: 'alice', userId: '02', fingerprint: 'aaaa-aaaa-aaaa-aaaa' },
  text,
  sentAtMs: 0,
  receivedAtMs: 0,
  msgId: '11',
  group: { name },
});

describe('cli group: arguments', () => {
  after(removeTempDirs);

  it('prints help for group and each of its commands', async () => {
    for (const sub of [
      '',
      'create',
      'add',
      'remove',
      'promote',
      'demote',
      'rename',
      'leave',
      'list',
      'show',
    ]) {
      const argv = ['group', ...(sub ? [sub] : []), '--help'];
      const r = await runCli(argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.stdout, /Usage: natter group/);
    }
  });

  it('exits 2 on missing arguments', async () => {
    for (const argv of [
      ['group', 'create'],
      ['group', 'add', 'team'],
      ['group', 'rename', 'team'],
      ['group', 'show'],
      ['group', 'bogus'],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(' '));
    }
  });

  it('exits 2 when send gets both --to and --group, or neither', async () => {
    const profile = await makeTempDir();
    const both = await runCli([
      '--profile',
      profile,
      'send',
      '--to',
      'bob',
      '--group',
      'team',
      'hi',
    ]);
    assert.equal(both.code, 2);
    assert.equal(errorCode(both.stderr), 'E_USAGE');
    const neither = await runCli(['--profile', profile, 'send', 'hi']);
    assert.equal(neither.code, 2);
    assert.equal(errorCode(neither.stderr), 'E_USAGE');
    const lines = await runCli([
      '--profile',
      profile,
      'send',
      '--group',
      'team',
      '--each-line',
      'x',
    ]);
    assert.equal(lines.code, 2, '--each-line with --group reads stdin too');
  });

  it('says how to create an identity before anything about groups', async () => {
    const r = await runCli(['group', 'list', '--profile', await makeTempDir()]);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r.stderr), 'E_NO_IDENTITY');
  });

  it('reads --members as names separated by commas, repeatable', () => {
    assert.deepEqual(parseMemberList('bob, carol,,dave '), ['bob', 'carol', 'dave']);
    assert.deepEqual(parseMemberList('erin', ['bob']), ['bob', 'erin']);
    assert.deepEqual(parseMemberList(''), []);
    assert.throws(() => parseMemberList(' , '), /expected names/);
  });
});

describe('cli group: output', () => {
  it('lists groups in aligned columns with an id prefix, members and my role', () => {
    const rows = groupRows([
      team(),
      team({ name: 'ops-night', groupId: 'cd'.repeat(16), myRole: null, members: [] }),
    ]);
    assert.deepEqual(rows, [
      '#team       abababab  2 members  admin',
      '#ops-night  cdcdcdcd  0 members  not a member',
    ]);
  });

  it('shows one group with its members, admins first', () => {
    assert.deepEqual(groupDetail(team()), [
      `#team  id ${ID}  epoch 2`,
      'you: admin',
      '2 members:',
      '  alice  aaaa-aaaa-aaaa-aaaa  admin',
      '  bob    bbbb-bbbb-bbbb-bbbb  member',
    ]);
  });

  it('sanitises group and member names, in text and in JSON', () => {
    const evil = team({
      name: EVIL,
      members: [{ userId: '03', pseudonym: EVIL, fingerprint: 'x', role: 'admin' }],
    });
    for (const line of [...groupRows([evil]), ...groupDetail(evil)])
      assert.doesNotMatch(line, /[\u001b\u202e]/);
    assert.doesNotMatch(groupJson(evil), /[\u001b\u202e]/);
    assert.equal(JSON.parse(groupJson(evil)).name, EVIL, 'JSON keeps the text, escaped');
  });

  it('prints a group message with its group, and a group field in JSON', () => {
    assert.match(
      formatMessage(inGroup('hi')),
      /^\d\d:\d\d:\d\d {2}#team alice \(aaaa-aaaa-aaaa-aaaa\): hi$/,
    );
    assert.match(formatMessage(inGroup('hi', EVIL)), /#evil\[2J alice/);
    const json = JSON.parse(messageJson(inGroup('hi')));
    assert.deepEqual(json.group, { name: 'team', id: ID });
    assert.equal(json.text, 'hi');
    const direct = { ...inGroup('hi'), conversation: '@alice' as ConversationId };
    delete direct.group;
    assert.equal(JSON.parse(messageJson(direct)).group, undefined);
  });

  it('says membership changes and refused changes in words, and as JSON', () => {
    assert.equal(
      formatGroupChange(team(), { kind: 'added', by: 'alice', member: EVIL }, 'bob'),
      'natter: #team: alice added evil[2J',
    );
    assert.equal(
      formatGroupChange(team(), { kind: 'removed', by: 'alice', member: 'bob' }, 'bob'),
      'natter: #team: alice removed you',
    );
    assert.deepEqual(
      JSON.parse(groupChangeJson(team(), { kind: 'left', member: 'bob' }, Date.UTC(2026, 0, 1))),
      {
        type: 'group',
        group: { name: 'team', id: ID },
        kind: 'left',
        member: 'bob',
        at: '2026-01-01T00:00:00.000Z',
      },
    );
    const warning = {
      conversation: CONV,
      groupName: 'team',
      code: 'E_GROUP_CHAIN_BROKEN',
      reason: 'not chained',
    };
    assert.equal(
      formatGroupWarning(warning),
      'natter: warning: #team: not chained (E_GROUP_CHAIN_BROKEN)',
    );
    assert.deepEqual(JSON.parse(groupWarningJson(warning)), {
      type: 'group-warning',
      group: { name: 'team', id: ID },
      code: 'E_GROUP_CHAIN_BROKEN',
      reason: 'not chained',
    });
  });
});
