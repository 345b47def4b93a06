/**
 * `natter block`, `unblock`, `blocked` and `group leave --all-from` as a user at a shell
 * runs them: spawned `natter` processes (dist/cli.js) against a relay on loopback. A spam
 * wave put alice in mallory's groups before she blocked mallory: one command leaves them
 * all (and no other group), each named; the block is listed, said again when repeated,
 * refused with E_UNKNOWN_USER for a name nobody has, and lifted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { natterProcess, type Run } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

interface GroupJson {
  name: string;
  myRole: 'admin' | 'member' | null;
}

const errorCode = (r: Run) => /\((E_[A-Z_]+)\)\n$/.exec(r.stderr)?.[1];

describe('natter block and group leave --all-from, spawned (e2e)', function () {
  this.timeout(120_000);
  let relay: TestRelay;
  let dir: string;

  const as = (who: string, args: string[]) =>
    natterProcess(['--profile', join(dir, who), ...args], {
      NATTER_RELAY: `${relay.host}:${relay.port}`,
      // No presence: nothing leaves this machine but to the relay on loopback.
      NATTER_PRESENCE: '0',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
    });
  const ok = async (who: string, args: string[]) => {
    const r = await as(who, args);
    assert.equal(r.code, 0, `${who}: natter ${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    for (const [who, name] of [
      ['a', 'alice'],
      ['b', 'bob'],
      ['m', 'mallory'],
    ] as const) {
      await ok(who, ['init', '--name', name]);
    }
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('leaves every group mallory added alice to, then blocks, lists and unblocks her', async () => {
    await ok('m', ['group', 'create', 'spam1', '--members', 'alice']);
    await ok('m', ['group', 'create', 'spam2', '--members', 'alice,bob']);
    await ok('b', ['group', 'create', 'team', '--members', 'alice,mallory']);

    const neither = await as('a', ['group', 'leave']);
    assert.equal(neither.code, 2, 'a group or --all-from');
    const left = await ok('a', ['group', 'leave', '--all-from', 'mallory']);
    assert.equal(left.stdout, 'left #spam1\nleft #spam2\n');
    const groups = JSON.parse(
      (await ok('a', ['group', 'list', '--all', '--json'])).stdout,
    ) as GroupJson[];
    assert.deepEqual(
      groups.map((g) => [g.name, g.myRole]),
      [
        ['spam1', null],
        ['spam2', null],
        ['team', 'member'],
      ],
    );
    const none = await ok('a', ['group', 'leave', '--all-from', 'mallory']);
    assert.equal(none.stdout, 'mallory added you to none of your groups\n');

    const blocked = await ok('a', ['block', 'mallory']);
    assert.match(blocked.stdout, /^blocked mallory \([a-z0-9-]+\)\n$/);
    const again = await ok('a', ['block', '@mallory']);
    assert.match(again.stdout, /^mallory \([a-z0-9-]+\) was blocked already\n$/);
    const listed = await ok('a', ['blocked']);
    assert.match(
      listed.stdout,
      /^mallory {2}[a-z0-9-]+ {2}since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$/,
    );
    const json = JSON.parse((await ok('a', ['blocked', '--json'])).stdout) as {
      userId: string;
      pseudonym: string;
    }[];
    assert.equal(json.length, 1);
    assert.equal(json[0]?.pseudonym, 'mallory');
    assert.match(json[0]?.userId ?? '', /^[0-9a-f]{64}$/);

    const unknown = await as('a', ['block', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.equal(errorCode(unknown), 'E_UNKNOWN_USER');

    const lifted = await ok('a', ['unblock', 'mallory']);
    assert.match(lifted.stdout, /^unblocked mallory \([a-z0-9-]+\)\n$/);
    assert.equal((await ok('a', ['blocked'])).stdout, 'nobody is blocked\n');
    const notBlocked = await ok('a', ['unblock', 'mallory']);
    assert.match(notBlocked.stdout, /was not blocked\n$/);
  });
});
