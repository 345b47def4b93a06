/**
 * `natter history NAME|#GROUP --delete` against a real relay on loopback, alone and
 * through a running client: it asks on a terminal (saying how many entries), needs --yes
 * elsewhere, deletes messages and a group's change lines, keeps a message still in the
 * outbox (which is then sent), and a running client hears of it ('history:deleted').
 */
import assert from 'node:assert/strict';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { jsonLines } from '../../helpers/cli.js';
import { cliRelay } from '../../helpers/cli-relay.js';

describe('cli: history --delete, against a real relay', function () {
  this.timeout(60_000);
  const f = cliRelay();
  const { as, ok } = f;

  beforeEach(async () => {
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
    await ok('a', ['send', '--to', 'bob', 'first']);
    await ok('a', ['send', '--to', 'bob', 'second']);
    await ok('b', ['inbox']);
  });

  it('refuses without --yes where there is no terminal to ask, deleting nothing', async () => {
    const r = await as('b', ['history', 'alice', '--delete']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--yes/);
    assert.match(r.stderr, /\(E_USAGE\)/);
    assert.equal((await ok('b', ['history', 'alice'])).stdout.trimEnd().split('\n').length, 2);
  });

  it('refuses --before and --yes without --delete, and --delete with no conversation', async () => {
    for (const [argv, said] of [
      [['history', 'alice', '--before', '1d'], /--before goes with --delete/],
      [['history', 'alice', '--yes'], /--yes goes with --delete/],
      [['history', '--delete', '--yes'], /name the conversation/],
      [['history', 'alice', '--delete', '--yes', '--since', '1d'], /--before T chooses/],
    ] as const) {
      const r = await as('b', [...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, said);
      assert.match(r.stderr, /\(E_USAGE\)/);
    }
  });

  it('asks on a terminal with the count, and deletes only on yes', async () => {
    const no = await ok('b', ['history', 'alice', '--delete'], { stdinTTY: true, stdin: 'n\n' });
    assert.match(no.stderr, /delete 2 messages from the history with alice .*\[y\/N\]/);
    assert.match(no.stderr, /nothing deleted/);
    assert.equal((await ok('b', ['history', 'alice'])).stdout.trimEnd().split('\n').length, 2);

    const yes = await ok('b', ['history', 'alice', '--delete'], { stdinTTY: true, stdin: 'y\n' });
    assert.equal(yes.stdout, 'deleted 2 messages from the history with alice\n');
    const after = await ok('b', ['history', 'alice']);
    assert.equal(after.stdout, '');
    assert.match(after.stderr, /no messages with alice/);
    // Only bob's copy: alice's history is hers.
    assert.equal((await ok('a', ['history', 'bob'])).stdout.trimEnd().split('\n').length, 2);
  });

  it('deletes only what is older than --before, and says when there is nothing', async () => {
    const none = await ok('b', ['history', 'alice', '--delete', '--yes', '--before', '2001-01-01']);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /nothing to delete from the history with alice before 2001-01-01/);
    const asked = await ok('b', ['history', 'alice', '--delete', '--before', '2001-01-01'], {
      stdinTTY: true,
      stdin: 'y\n',
    });
    assert.match(asked.stderr, /nothing to delete from the history with alice before/);
    assert.equal((await ok('b', ['history', 'alice'])).stdout.trimEnd().split('\n').length, 2);
  });

  it('deletes a group’s messages and change lines, and says so in --json', async () => {
    await ok('b', ['group', 'create', 'ops', '--members', 'alice']);
    await ok('b', ['send', '--group', 'ops', 'hi all']);
    const r = await ok('b', ['history', '#ops', '--delete', '--yes', '--json']);
    const [done] = jsonLines<{ deleted: number; messages: number; events: number; kept: number }>(
      r,
    );
    assert.deepEqual([done?.deleted, done?.messages, done?.events, done?.kept], [2, 1, 1, 0]);
    assert.match((await ok('b', ['history', '#ops'])).stderr, /no messages in #ops/);
    // The group itself is untouched: still mine to write to.
    await ok('b', ['send', '--group', 'ops', 'still here']);
  });

  it('keeps a message still in the outbox, which is then sent', async () => {
    const down = await as('a', ['send', '--to', 'bob', 'later'], {
      env: { NATTER_RELAY: '127.0.0.1:1' },
    });
    assert.notEqual(down.code, 0);
    const r = await ok('a', ['history', 'bob', '--delete', '--yes']);
    assert.match(
      r.stdout,
      /^deleted 2 messages from the history with bob; kept 1 message of yours still in the outbox/,
    );
    assert.match((await ok('a', ['history', 'bob'])).stdout, /me → bob: later {2}\[queued\]/);

    await ok('a', ['inbox']);
    const inbox = await ok('b', ['inbox']);
    assert.match(inbox.stdout, /alice \([a-z2-7-]+\): later/);
  });

  it('deletes through a running client, which hears of it', async () => {
    const client = await f.runClient('b');
    const heard: PeerEventMap['history:deleted'][] = [];
    client.on('history:deleted', (e) => heard.push(e));

    const r = await ok('b', ['history', 'alice', '--delete', '--yes']);

    assert.equal(r.stdout, 'deleted 2 messages from the history with alice\n');
    assert.deepEqual(await client.conversation('alice'), []);
    assert.equal(heard.length, 1);
    assert.equal(heard[0]?.messages, 2);
  });

  it('says E_UNKNOWN_CONTACT for a name that is nobody here, as history does', async () => {
    const r = await as('b', ['history', 'carl', '--delete', '--yes']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(E_UNKNOWN_CONTACT\)/);
  });
});
