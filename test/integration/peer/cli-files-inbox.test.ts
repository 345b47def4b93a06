/**
 * `natter inbox` taking a file by auto-accept says where it saved it (a files trial: the
 * file was saved, and nothing said where).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliRelay } from '../../helpers/cli-relay.js';

describe('cli: inbox with auto-accept', function () {
  this.timeout(60_000);
  const f = cliRelay();

  it('says on stderr where an auto-accepted file was saved', async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('b', ['init', '--name', 'bob']);
    await f.ok('b', ['inbox']);
    const downloads = join(f.dir, 'dl');
    await f.ok('b', ['config', 'set', 'download-dir', downloads]);
    await f.ok('b', ['config', 'set', 'auto-accept', 'alice']);
    const path = join(f.dir, 'note.txt');
    await writeFile(path, 'hello bob\n');
    await f.ok('a', ['send', '--to', 'bob', 'first a word']);
    await f.ok('b', ['inbox']);
    await f.ok('a', ['send-file', '--to', 'bob', path]);
    const got = await f.ok('b', ['inbox']);
    assert.match(
      got.stderr,
      new RegExp(
        `received note\\.txt \\(10 B\\) from alice: saved as ${join(downloads, 'note.txt')}`,
      ),
    );
  });
});
