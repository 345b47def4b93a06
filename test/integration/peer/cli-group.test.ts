/**
 * `natter group` and `natter send --group` against a real relay on loopback, each
 * command a fresh in-process CLI run, as a user at a shell would: create, add,
 * list, show, send, inbox, remove, rename, and the refusals.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { type CliRun, jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface GroupJson {
  id: string;
  conversation: string;
  name: string;
  epoch: number;
  myRole: 'admin' | 'member' | null;
  members: { pseudonym: string; userId: string; fingerprint: string; role: string }[];
}

interface InboxJson {
  type?: string;
  from?: string;
  text?: string;
  kind?: string;
  member?: string;
  group?: { name: string; id: string };
}

const lines = (r: CliRun) => jsonLines<InboxJson>(r);
const messages = (r: CliRun) => lines(r).filter((l) => l.type === undefined);
const errorCode = (r: CliRun) => /\((E_[A-Z_]+)\)\n$/.exec(r.stderr)?.[1];

describe('cli groups against a real relay', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    for (const [who, name] of [
      ['a', 'alice'],
      ['b', 'bob'],
      ['c', 'carol'],
    ]) {
      await ok(who!, ['init', '--name', name!]);
    }
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('creates a group, adds a member, lists and shows it, and talks in it both ways', async () => {
    const created = await ok('a', ['group', 'create', 'team', '--members', 'bob']);
    assert.match(created.stdout, /^created #team \(id [0-9a-f]{32}\): alice \(admin\), bob\n$/);
    const added = await ok('a', ['group', 'add', 'team', 'carol']);
    assert.equal(added.stdout, 'added carol to #team\n');

    const list = await ok('a', ['group', 'list']);
    assert.match(list.stdout, /^#team {2}[0-9a-f]{8} {2}3 members {2}admin\n$/);
    const [team] = JSON.parse((await ok('a', ['group', 'list', '--json'])).stdout) as GroupJson[];
    assert.equal(team?.name, 'team');
    assert.deepEqual(
      team?.members.map((m) => [m.pseudonym, m.role]),
      [
        ['alice', 'admin'],
        ['bob', 'member'],
        ['carol', 'member'],
      ],
    );
    const show = await ok('a', ['group', 'show', '#team']);
    assert.match(
      show.stdout,
      new RegExp(`^#team {2}id ${team!.id} {2}epoch 0\nyou: admin\n3 members:\n`),
    );
    const byPrefix = JSON.parse(
      (await ok('a', ['group', 'show', team!.id.slice(0, 8), '--json'])).stdout,
    );
    assert.equal((byPrefix as GroupJson).conversation, `#${team!.id}`);

    await ok('a', ['send', '--group', 'team', 'hello team']);
    // bob learns of the group from the relay, then reads the message with its group.
    const bobInbox = await ok('b', ['inbox', '--json']);
    const [hello] = messages(bobInbox);
    assert.equal(hello?.text, 'hello team');
    assert.equal(hello?.from, 'alice');
    assert.deepEqual(hello?.group, { name: 'team', id: team!.id });
    const bobGroups = JSON.parse(
      (await ok('b', ['group', 'list', '--json'])).stdout,
    ) as GroupJson[];
    assert.equal(bobGroups[0]?.myRole, 'member');

    await ok('b', ['send', '--group', 'team', '--each-line'], { stdin: 'one\ntwo\n' });
    const aliceInbox = await ok('a', ['inbox']);
    assert.match(aliceInbox.stdout, /^\d\d:\d\d:\d\d {2}#team bob \([a-z2-7-]{19}\): one\n/m);
    assert.match(aliceInbox.stdout, /#team bob \([a-z2-7-]{19}\): two\n$/);
    const carol = messages(await ok('c', ['inbox', '--json'])).map((m) => `${m.from}: ${m.text}`);
    assert.deepEqual(carol, ['alice: hello team', 'bob: one', 'bob: two']);
  });

  it('lets a new member send to the group as its very first command, and send a file to it', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob,carol']);
    // bob has never connected since he was added: the relay brings him the group first.
    await ok('b', ['send', '--group', 'team', 'first words']);
    const file = `${dir}/notes.txt`;
    await writeFile(file, 'group notes\n');
    await ok('c', ['send-file', '--group', 'team', file]);
    const alice = messages(await ok('a', ['inbox', '--json'])).map((m) => `${m.from}: ${m.text}`);
    assert.equal(alice[0], 'bob: first words');
    assert.equal(alice.length, 2, JSON.stringify(alice));
    assert.match(alice[1]!, /^carol: .*notes\.txt/);
    // The received line names the sender, not only the group.
    const [offer] = jsonLines<{ shortId: string }>(await ok('a', ['files', '--json']));
    const out = `${dir}/got`;
    await mkdir(out);
    const got = await ok('a', ['accept', offer!.shortId, '--out', out]);
    assert.match(got.stdout, /received notes\.txt \(12 B\) from carol in #team: saved as /);
  });

  it('removes a member, who gets nothing afterwards, and shows a rename to those left', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob,carol']);
    await ok('a', ['send', '--group', 'team', 'before']);
    assert.deepEqual(
      messages(await ok('b', ['inbox', '--json'])).map((m) => m.text),
      ['before'],
    );
    assert.equal(
      (await ok('a', ['group', 'remove', 'team', 'bob'])).stdout,
      'removed bob from #team\n',
    );
    await ok('a', ['send', '--group', 'team', 'after']);
    const renamed = await ok('a', ['group', 'rename', 'team', '#ops']);
    assert.equal(renamed.stdout, 'renamed #team to #ops\n');

    // bob's profile still has him in: the relay, which knows better, refuses his message.
    const late = await as('b', ['send', '--group', 'team', 'am I still in?']);
    assert.equal(late.code, 1);
    assert.equal(errorCode(late), 'E_NOT_GROUP_MEMBER');
    assert.match(
      late.stderr,
      /^natter: #team: alice removed you$/m,
      `the change it met on the way: ${late.stderr}`,
    );
    const bob = await ok('b', ['inbox', '--json']);
    assert.deepEqual(messages(bob), [], 'nothing sent after the removal');
    const carol = await ok('c', ['inbox', '--json']);
    assert.deepEqual(
      messages(carol).map((m) => m.text),
      ['before', 'after'],
    );
    assert.match(carol.stderr, /natter: #\w+: alice removed bob/);
    assert.match(carol.stderr, /alice renamed the group to ops/);
    const changes = lines(carol).filter((l) => l.type === 'group');
    assert.ok(changes.some((c) => c.kind === 'removed' && c.member === 'bob'));
    assert.match((await ok('c', ['group', 'list'])).stdout, /^#ops /);
    // The old name is said to be one, with what it is now (a QA trial got no hint).
    const old = await as('c', ['send', '--group', 'team', 'hello?']);
    assert.equal(errorCode(old), 'E_UNKNOWN_GROUP');
    assert.match(
      old.stderr,
      /no group of mine is 'team' \(renamed 'ops' by alice\) \(E_UNKNOWN_GROUP\)\n$/,
    );
    // `history NAME` takes names of people: the old group name is pointed to the group.
    const history = await as('c', ['history', 'team']);
    assert.match(
      history.stderr,
      /a group of mine was called that, now #ops: natter history '#ops'/,
    );
    assert.match((await ok('b', ['group', 'list', '--all'])).stdout, /not a member/);
    const known = await as('b', ['send', '--group', 'team', 'and now?']);
    assert.equal(errorCode(known), 'E_NOT_GROUP_MEMBER', 'refused before it is sent');
    assert.deepEqual(messages(await ok('c', ['inbox', '--json'])), []);
  });

  it('removes the member now called NAME, not one who was called so before a rename', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob']);
    await ok('b', ['rename', 'robert']);
    // Someone else takes the name; alice compares and trusts the new key, and adds them.
    await ok('n', ['init', '--name', 'bob']);
    await ok('n', ['send', '--to', 'alice', 'I am the new bob']);
    await as('a', ['inbox']);
    const compare = await as('a', ['trust', 'bob']);
    const number = compare.stdout.match(/\d{5}/g)?.join('');
    assert.equal(number?.length, 60, compare.stdout);
    await ok('a', ['trust', 'bob', '--safety-number', number!]);
    await ok('a', ['group', 'add', 'team', 'bob']);
    const show = JSON.parse(
      (await ok('a', ['group', 'show', 'team', '--json'])).stdout,
    ) as GroupJson;
    assert.equal(show.members.filter((m) => m.pseudonym === 'bob').length, 1, 'one bob');
    await ok('a', ['group', 'remove', 'team', 'bob']);
    const left = JSON.parse(
      (await ok('a', ['group', 'show', 'team', '--json'])).stdout,
    ) as GroupJson;
    assert.deepEqual(
      left.members.map((m) => m.pseudonym),
      ['alice', 'robert'],
      'the newcomer removed; the renamed member stays, by the name they have now',
    );
  });

  it('refuses what the user may not do, with codes, exit 1', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob']);
    await ok('b', ['inbox']);
    const notAdmin = await as('b', ['group', 'add', 'team', 'carol']);
    assert.equal(notAdmin.code, 1);
    assert.equal(errorCode(notAdmin), 'E_GROUP_NOT_ADMIN');
    assert.match(
      notAdmin.stderr,
      /^natter: group: only an admin of #team can add \(its members and their roles: group show\)/,
    );
    const already = await as('a', ['group', 'add', 'team', 'bob']);
    assert.equal(errorCode(already), 'E_GROUP_BAD_CHANGE');
    assert.match(already.stderr, /^natter: group: bob is in #team already/);
    const onlyAdmin = await as('a', ['group', 'leave', 'team']);
    assert.equal(errorCode(onlyAdmin), 'E_GROUP_LAST_ADMIN');
    assert.match(
      onlyAdmin.stderr,
      /^natter: group: you are the only admin of #team: promote someone first/,
    );
    const unknown = await as('a', ['group', 'show', 'nope']);
    assert.equal(unknown.code, 1);
    assert.equal(errorCode(unknown), 'E_UNKNOWN_GROUP');
    const send = await as('c', ['send', '--group', 'team', 'let me in']);
    assert.equal(send.code, 1);
    assert.equal(errorCode(send), 'E_UNKNOWN_GROUP', 'carol does not know the group');
    // A name of mine is mine once: a second #team of my making is refused, created or renamed.
    const taken = await as('a', ['group', 'create', '#Team', '--members', 'carol']);
    assert.equal(taken.code, 1);
    assert.equal(errorCode(taken), 'E_GROUP_NAME_TAKEN');
    assert.match(taken.stderr, /^natter: group: you are in a group called #team already/);
    await ok('a', ['group', 'create', 'ops', '--members', 'carol']);
    const renamed = await as('a', ['group', 'rename', 'ops', 'TEAM']);
    assert.equal(errorCode(renamed), 'E_GROUP_NAME_TAKEN');
    // Others still name their groups as they like, and may add me to one called alike.
    await ok('c', ['group', 'create', 'Team', '--members', 'alice']);
    await ok('a', ['inbox']);
    const ambiguous = await as('a', ['send', '--group', 'team', 'which one?']);
    assert.equal(ambiguous.code, 1);
    assert.equal(errorCode(ambiguous), 'E_AMBIGUOUS_GROUP');
  });

  it('changes a group by the name others gave it while away, without an inbox first', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob,carol']);
    await ok('a', ['group', 'rename', 'team', 'ops']);
    // bob has run nothing since: the group and its new name wait for him at the relay.
    assert.equal((await ok('b', ['group', 'leave', 'ops'])).stdout, 'left #ops\n');
    assert.match((await ok('b', ['group', 'list', '--all'])).stdout, /^#ops .*not a member/m);
    // A left group is listed only when asked (a trial's `--all-from` left nine, all listed).
    assert.equal(
      (await ok('b', ['group', 'list'])).stdout,
      'you are in no group (1 left: natter group list --all)\n',
    );
  });

  it('leaves a group, and promotes and demotes', async () => {
    await ok('a', ['group', 'create', 'team', '--members', 'bob,carol']);
    assert.equal(
      (await ok('a', ['group', 'promote', 'team', 'bob'])).stdout,
      'bob is now an admin of #team\n',
    );
    await ok('b', ['inbox']);
    assert.equal(
      (await ok('b', ['group', 'demote', 'team', 'alice'])).stdout,
      'alice is no longer an admin of #team\n',
    );
    assert.equal((await ok('c', ['inbox'])).code, 0);
    assert.equal((await ok('c', ['group', 'leave', 'team'])).stdout, 'left #team\n');
    const shown = JSON.parse(
      (await ok('b', ['group', 'show', 'team', '--json'])).stdout,
    ) as GroupJson;
    await ok('b', ['inbox']);
    const after = JSON.parse(
      (await ok('b', ['group', 'show', 'team', '--json'])).stdout,
    ) as GroupJson;
    assert.ok(shown.members.some((m) => m.pseudonym === 'carol'));
    assert.deepEqual(
      after.members.map((m) => [m.pseudonym, m.role]),
      [
        ['alice', 'member'],
        ['bob', 'admin'],
      ],
    );
  });
});
