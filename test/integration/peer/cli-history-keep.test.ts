/**
 * `natter config get|set keep-history` against a real relay on loopback, alone and
 * through a running client: the setting is saved and shown, what is older goes at once
 * (an entry older than the setting is written into the closed profile, as a run of the
 * client days ago would have), newer messages stay, and bad values are usage errors.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { directConversation } from '../../../src/peer/conversations/ids.js';
import { History } from '../../../src/peer/messaging/history.js';
import { profilePaths } from '../../../src/peer/profile.js';
import { PeerStore } from '../../../src/peer/store.js';
import { jsonLines } from '../../helpers/cli.js';
import { cliRelay } from '../../helpers/cli-relay.js';

const DAY = 24 * 60 * 60 * 1000;

describe('cli: config keep-history, against a real relay', function () {
  this.timeout(60_000);
  const f = cliRelay();
  const { as, ok } = f;

  beforeEach(async () => {
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
    await ok('a', ['send', '--to', 'bob', 'today']);
    await ok('b', ['inbox']);
  });

  /** A message from alice that bob's client kept ten days ago. */
  async function oldMessage(): Promise<void> {
    const profileDir = join(f.dir, 'b');
    const store = await PeerStore.open(profilePaths(profileDir).db, profileDir);
    try {
      const history = await History.load(store);
      const [today] = await history.list(directConversation('alice'));
      assert.ok(today !== undefined);
      const at = Date.now() - 10 * DAY;
      const old = { ...today, msgId: 'ab'.repeat(16), text: 'ten days ago', sentAtMs: at };
      await store.write(history.appendOps({ ...old, receivedAtMs: at }, { atMs: at }));
    } finally {
      await store.close();
    }
  }

  it('keeps history for ever by default, and says so', async () => {
    assert.equal(
      (await ok('b', ['config', 'get', 'keep-history'])).stdout,
      'keep-history for ever\n',
    );
    const [json] = jsonLines<{ keepHistoryMs: number | null }>(
      await ok('b', ['config', 'get', '--json']),
    );
    assert.equal(json?.keepHistoryMs, null);
    assert.match((await ok('b', ['config', 'get'])).stdout, /^keep-history for ever$/m);
  });

  it('deletes what is older at once, keeps the rest, and shows the setting', async () => {
    await oldMessage();
    assert.equal((await ok('b', ['history', 'alice'])).stdout.trimEnd().split('\n').length, 2);
    const r = await ok('b', ['config', 'set', 'keep-history', '1w']);
    assert.match(
      r.stdout,
      /^keep-history 1 week \(older messages are deleted from this computer\)$/m,
    );
    assert.match(
      r.stdout,
      /^deleted 1 message older than 1 week \(from before .*\) in 1 conversation$/m,
    );
    const left = await ok('b', ['history', 'alice']);
    assert.match(left.stdout, /today/);
    assert.doesNotMatch(left.stdout, /ten days ago/);
    assert.match((await ok('b', ['config', 'get', 'keep-history'])).stdout, /1 week/);
    const again = await ok('b', ['config', 'set', 'keep-history', '90d']);
    assert.match(again.stderr, /nothing here is older than 90 days/);
    await ok('b', ['config', 'set', 'keep-history', 'forever']);
    assert.match((await ok('b', ['config', 'get', 'keep-history'])).stdout, /for ever/);
  });

  it('refuses what is not a duration, or out of range, changing nothing', async () => {
    await ok('b', ['config', 'set', 'keep-history', '30d']);
    for (const [value, said] of [
      ['6m', /minutes or months\? Say it in hours, days, weeks or years/],
      ['2 months', /minutes or months\?/],
      ['soon', /not a duration/],
      ['0h', /between 1h and 100y/],
      ['101y', /between 1h and 100y/],
    ] as const) {
      const r = await as('b', ['config', 'set', 'keep-history', value]);
      assert.equal(r.code, 2, value);
      assert.match(r.stderr, said);
      assert.match(r.stderr, /\(E_USAGE\)/);
    }
    assert.match((await ok('b', ['config', 'get', 'keep-history'])).stdout, /30 days/);
  });

  it('changes the running client’s setting, which deletes and redraws', async () => {
    await oldMessage();
    const client = await f.runClient('b');
    let heard = 0;
    client.on('history:deleted', (e) => {
      heard += e.messages;
    });
    const r = await ok('b', ['config', 'set', 'keep-history', '2d']);
    assert.match(r.stdout, /deleted 1 message older than 2 days/);
    assert.equal(heard, 1);
    assert.equal(await client.historyKeep(), 2 * DAY);
    assert.deepEqual(
      (await client.conversation('alice')).map((e) => e.text),
      ['today'],
    );
    assert.match((await ok('b', ['config', 'get', 'keep-history'])).stdout, /2 days/);
  });
});
