/**
 * A group's changes in `natter history` against a real relay on loopback: whichever
 * command took them (here `natter inbox`, and the creator's own `group` commands), they
 * are entries of the group's history, in order with its messages, once.
 */
import assert from 'node:assert/strict';
import { jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface HistoryJson {
  kind: string;
  change?: string;
  by?: string;
  member?: string;
  to?: string;
  seq?: number;
  at?: string;
  text: string;
  group?: { name: string; id: string };
}

/** `natter history` text lines without their date and time. */
const said = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) =>
      l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}/, '').replace(/ \([a-z2-7-]{19}\)/, ''),
    );

describe('cli: group changes in the history, against a real relay', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { ok } = profileCli(() => ({ dir, env }));

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

  it('keeps a rename and a removal that inbox caught up with, and the creator’s own changes', async () => {
    await ok('b', ['group', 'create', 'ops', '--members', 'alice']);
    await ok('b', ['send', '--group', 'ops', 'hi all']);
    await ok('b', ['group', 'rename', 'ops', 'crew']);
    await ok('b', ['group', 'remove', 'crew', 'alice']);

    const inbox = await ok('a', ['inbox']);
    assert.match(inbox.stdout + inbox.stderr, /#crew: bob removed you/);
    const expected = [
      '#crew * bob created the group',
      '#crew bob: hi all',
      '#crew * bob renamed the group to crew',
      '#crew * bob removed you',
    ];
    assert.deepEqual(said((await ok('a', ['history', '#crew'])).stdout), expected);

    const json = jsonLines<HistoryJson>(await ok('a', ['history', '#crew', '--json']));
    assert.deepEqual(
      json.map((j) => [j.kind, j.change ?? j.text]),
      [
        ['event', 'created'],
        ['message', 'hi all'],
        ['event', 'renamed'],
        ['event', 'removed'],
      ],
    );
    const removed = json[3]!;
    assert.equal(removed.by, 'bob');
    assert.equal(removed.member, 'alice');
    assert.equal(removed.text, 'bob removed you');
    assert.equal(removed.group?.name, 'crew');
    assert.ok(Number.isInteger(removed.seq));
    assert.ok(!Number.isNaN(Date.parse(removed.at ?? '')));

    // Connected again (the relay may send what it still holds): nothing is kept twice.
    await ok('a', ['inbox']);
    assert.deepEqual(said((await ok('a', ['history', '#crew'])).stdout), expected);

    // The creator's own commands applied them: kept on that side too, in its words.
    assert.deepEqual(said((await ok('b', ['history', '#crew'])).stdout), [
      '#crew * you created the group',
      '#crew me: hi all  [stored]',
      '#crew * you renamed the group to crew',
      '#crew * you removed alice',
    ]);
    // Every conversation merged: the group's changes are there too.
    assert.deepEqual(said((await ok('a', ['history'])).stdout), expected);
  });
});
