/**
 * `send-file` to a group a member of which takes less than its size (a files trial: only
 * `transfers` said `not for dave (over their limit)`; the command itself said nothing).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliRelay } from '../../helpers/cli-relay.js';

describe('cli: send-file to someone whose limit it is over', function () {
  this.timeout(60_000);
  const f = cliRelay();

  beforeEach(async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('b', ['init', '--name', 'bob']);
    await f.ok('d', ['init', '--name', 'dave']);
    await f.ok('b', ['inbox']);
    await f.ok('d', ['config', 'set', 'max-incoming', '100K']);
    // dave's limit reaches the relay with his next session.
    await f.ok('d', ['inbox']);
    await f.ok('a', ['group', 'create', 'team', '--members', 'bob,dave']);
  });

  it('says on stderr that dave will not get it, waiting for the upload or not', async () => {
    const path = join(f.dir, 'big.bin');
    await writeFile(path, randomBytes(300_000));
    for (const wait of [[], ['--no-wait']]) {
      const sent = await f.ok('a', ['send-file', ...wait, '--group', 'team', path]);
      assert.match(
        sent.stderr,
        /dave will not get big\.bin.*over the size they accept/,
        wait.join(''),
      );
    }
  });

  it('names the one recipient, and their limit, when the relay refuses a 1:1 file over it', async () => {
    const path = join(f.dir, 'small.bin');
    await writeFile(path, randomBytes(300_000));
    const sent = await f.as('a', ['send-file', '--to', 'dave', path]);
    assert.equal(sent.code, 1);
    assert.match(
      sent.stderr,
      /small\.bin \(293\.0 KiB\) is larger than dave accepts \(at most 100\.0 KiB\).*\(E_FILE_TOO_LARGE\)\n$/,
    );
  });
});
