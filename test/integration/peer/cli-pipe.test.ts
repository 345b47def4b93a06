/**
 * Output to a reader that goes away, and the history that keeps every message
 * (issue 13 item 1): `natter inbox | head -1` ends quietly with exit 0 and marks
 * read only what it wrote; `natter history` shows everything, sent and received.
 * In-process runs with a stdout that fails like a closed pipe, and spawned
 * processes whose stdout pipe we close ourselves.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type CliRun, jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

interface Line {
  text: string;
  from: string;
  to?: string;
  direction?: string;
  state?: string;
  reason?: string;
  group?: { name: string; id: string };
}

const json = (r: CliRun) => jsonLines<Line>(r);

describe('cli: a closed stdout, and natter history', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));

  /** `natter ARGV` as its own process, its stdout pipe closed before it writes. */
  function spawnClosed(
    who: string,
    argv: string[],
  ): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--profile', join(dir, who), ...argv],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: dir, NATTER_PRESENCE: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
  }

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('inbox | head -1: exit 0, no error, and only the message written is marked read', async () => {
    await ok('a', ['send', '--to', 'bob', '--each-line'], { stdin: 'one\ntwo\nthree\n' });
    const head = await as('b', ['inbox'], { stdoutLines: 1 });
    assert.equal(head.code, 0, head.stderr);
    assert.equal(head.stderr, '', 'no error, no stack trace');
    assert.match(head.stdout, /^\d\d:\d\d:\d\d {2}alice \([a-z2-7-]{19}\): one\n$/);
    const rest = await ok('b', ['inbox', '--json']);
    assert.deepEqual(
      json(rest).map((m) => m.text),
      ['two', 'three'],
      'what was not written is still unread',
    );
    const empty = await ok('b', ['inbox', '--json']);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, 'natter: no new messages\n', 'said on stderr; stdout stays clean');
  });

  it('inbox --max N prints N messages and leaves the rest unread; --follow --max stops after N', async () => {
    await ok('a', ['send', '--to', 'bob', '--each-line'], { stdin: 'one\ntwo\nthree\n' });
    const first = await ok('b', ['inbox', '--max', '1', '--json']);
    assert.deepEqual(
      json(first).map((m) => m.text),
      ['one'],
    );
    assert.equal(
      first.stderr,
      'natter: more messages are unread; natter inbox prints them\n',
      'what --max left is said',
    );
    const follow = await ok('b', ['inbox', '--follow', '--max', '2', '--json']);
    assert.deepEqual(
      json(follow).map((m) => m.text),
      ['two', 'three'],
    );
    assert.equal((await as('b', ['inbox', '--max', '0'])).code, 2, 'a usage error');
    const empty = await ok('b', ['inbox']);
    assert.equal(empty.stderr, 'natter: no new messages\n');
  });

  it('inbox --follow stops, exit 0, when its stdout closes, leaving the message unread', async () => {
    await ok('a', ['send', '--to', 'bob', 'for a closed pipe']);
    const follow = await as('b', ['inbox', '--follow'], { stdoutLines: 0 });
    assert.equal(follow.code, 0, follow.stderr);
    assert.deepEqual(
      json(await ok('b', ['inbox', '--json'])).map((m) => m.text),
      ['for a closed pipe'],
    );
  });

  it('inbox, contacts and fingerprint end quietly with exit 0 when the stdout pipe is closed', async () => {
    await ok('a', ['send', '--to', 'bob', 'first']);
    await ok('a', ['send', '--to', 'bob', 'second']);
    for (const argv of [['inbox'], ['contacts'], ['fingerprint'], ['history']]) {
      const r = await spawnClosed('b', argv);
      assert.equal(r.code, 0, `${argv[0]}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /, argv[0]);
    }
    assert.deepEqual(
      json(await ok('b', ['inbox', '--json'])).map((m) => m.text),
      ['first', 'second'],
      'nothing was marked read: nothing was written',
    );
  });

  it('history shows both directions, one conversation or all, with --json, --since and --limit', async () => {
    await ok('a', ['send', '--to', 'bob', 'hi bob']);
    await ok('b', ['inbox']);
    await ok('b', ['send', '--to', 'alice', 'hi alice\nsecond line']);
    await ok('a', ['group', 'create', 'team', '--members', 'bob']);
    await ok('a', ['send', '--group', 'team', 'standup']);

    const withBob = await ok('a', ['history', 'bob']);
    const [mine, theirs, ...none] = withBob.stdout.split(/\n(?! {4})/).filter((l) => l.length > 0);
    assert.deepEqual(none, []);
    assert.match(
      mine ?? '',
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}me → bob: hi bob {2}\[(stored|delivered)\]$/,
    );
    assert.match(
      theirs ?? '',
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}bob \([a-z2-7-]{19}\): hi alice\n {4}second line$/,
    );

    const all = json(await ok('a', ['history', '--json']));
    assert.deepEqual(
      all.map((m) => [m.direction, m.from, m.to, m.text, m.group?.name]),
      [
        ['out', 'alice', 'bob', 'hi bob', undefined],
        ['in', 'bob', undefined, 'hi alice\nsecond line', undefined],
        // A group's changes are in its history too, in their places (docs/groups.md).
        [undefined, undefined, undefined, 'you created the group', 'team'],
        ['out', 'alice', undefined, 'standup', 'team'],
      ],
    );
    assert.deepEqual(
      json(await ok('a', ['history', '#team', '--json'])).map((m) => m.text),
      ['you created the group', 'standup'],
    );
    assert.deepEqual(
      json(await ok('a', ['history', '--json', '--limit', '2'])).map((m) => m.text),
      ['you created the group', 'standup'],
      'the latest',
    );
    const later = await ok('a', ['history', '--since', '2099-01-01']);
    assert.equal(later.stdout, '');
    assert.match(later.stderr, /no messages since then/);
    assert.equal(json(await ok('a', ['history', '--since', '1h', '--json'])).length, 4);
    assert.equal((await as('a', ['history', 'bad name'])).code, 2);
  });

  it('history says on stderr when its default limit left messages out, never in --json', async () => {
    const lines = Array.from({ length: 52 }, (_, i) => `line ${i}`);
    await ok('a', ['send', '--to', 'bob', '--each-line'], { stdin: `${lines.join('\n')}\n` });
    const cut = await ok('a', ['history', 'bob', '--since', '1h']);
    assert.equal(cut.stdout.trim().split('\n').length, 50);
    assert.match(cut.stdout, /line 51 /);
    assert.equal(cut.stderr, 'natter: showing the latest 50; --limit N for more\n');
    const cutJson = await ok('a', ['history', 'bob', '--json']);
    assert.equal(json(cutJson).length, 50, 'stdout is the entries alone');
    assert.equal(cutJson.stderr, 'natter: showing the latest 50; --limit N for more\n');
    const all = await ok('a', ['history', 'bob', '--limit', '52']);
    assert.equal(all.stdout.trim().split('\n').length, 52);
    assert.equal(all.stderr, '', 'nothing left out');
    const asked = await ok('a', ['history', 'bob', '--limit', '10']);
    assert.equal(asked.stdout.trim().split('\n').length, 10);
    assert.equal(asked.stderr, '', 'a limit given is the one wanted');
  });

  it('history of a name that is no contact and no conversation is an error; of a contact with none, a note', async () => {
    await ok('a', ['group', 'create', 'ops', '--members', 'bob']);
    await ok('b', ['inbox']);
    const typo = await as('b', ['history', 'nosuchperson']);
    assert.deepEqual(
      [typo.code, typo.stdout, typo.stderr],
      [
        1,
        '',
        'natter: history: no contact and no messages with nosuchperson (E_UNKNOWN_CONTACT)\n',
      ],
    );
    // No contact is called ops, one of my groups is: its history, as `natter history '#ops'`.
    const group = await as('b', ['history', 'ops']);
    assert.deepEqual([group.code, group.stderr], [0, '']);
    assert.match(
      group.stdout,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}#ops \* alice created the group\n$/,
    );
    const noGroup = await as('b', ['history', '#nosuch']);
    assert.equal(noGroup.code, 1);
    assert.match(noGroup.stderr, /\(E_UNKNOWN_GROUP\)\n$/);
    // Alice is bob's contact through the group, with no messages between them yet.
    const contact = await as('b', ['history', 'alice']);
    assert.deepEqual(
      [contact.code, contact.stdout, contact.stderr],
      [0, '', 'natter: no messages with alice\n'],
    );
    // A group's history holds its changes (docs/groups.md "History"): never empty now.
    const byTag = await as('b', ['history', '#ops']);
    assert.deepEqual([byTag.code, byTag.stdout, byTag.stderr], [0, group.stdout, '']);
  });
});
