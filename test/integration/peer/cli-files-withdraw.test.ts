/**
 * A file whose upload is whole on the relay, taken back by its sender (a QA trial: on a LAN
 * an upload is whole within a second, and `outbox cancel ID` then said E_NOT_QUEUED while
 * the recipient could still accept it): the relay deletes the file, the recipient's natter
 * says the sender cancelled it, and a recipient who fetched it already keeps their copy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliRelay, until } from '../../helpers/cli-relay.js';

describe('cli: outbox cancel of a file already whole on the relay', function () {
  this.timeout(60_000);
  const f = cliRelay();

  beforeEach(async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('b', ['init', '--name', 'bob']);
    await f.ok('b', ['inbox']);
  });

  async function uploaded(name: string, bytes: Buffer): Promise<string> {
    const path = join(f.dir, name);
    await writeFile(path, bytes);
    const sent = await f.ok('a', ['send-file', '--to', 'bob', path]);
    const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    return id;
  }

  it('withdraws it: the relay deletes the file, and bob sees it cancelled by the sender', async () => {
    const id = await uploaded('whole.bin', randomBytes(200_000));
    assert.equal(f.relay.relay.stats().storedFiles, 1);
    const cancelled = await f.ok('a', ['outbox', 'cancel', id]);
    assert.match(cancelled.stdout, /^cancelled 1 file\(s\)/);
    assert.match(cancelled.stderr, /withdrew [0-9a-f]{8}: the relay deletes the file/);
    await until(() => f.relay.relay.stats().storedFiles === 0, 'the relay to drop the file');
    const listed = await f.ok('b', ['files']);
    assert.match(listed.stdout, /whole\.bin .* {2}cancelled by the sender$/m);
    const accepted = await f.as('b', ['accept', id]);
    assert.equal(accepted.code, 1);
    assert.match(accepted.stderr, /\(E_FILE_CANCELLED\)\n$/);
  });

  it('leaves a copy bob fetched already with bob, and says nothing is left to take back', async () => {
    const bytes = randomBytes(100_000);
    const id = await uploaded('kept.bin', bytes);
    const accepted = await f.ok('b', ['accept', '--out', join(f.dir, 'got'), id]);
    const saved = accepted.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok((await readFile(join(f.dir, 'got', 'kept.bin'))).equals(bytes), saved);
    // alice hears bob's answer, then has nothing to take back.
    await f.ok('a', ['inbox']);
    const again = await f.as('a', ['outbox', 'cancel', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has fetched or declined kept\.bin already.*\(E_NOT_QUEUED\)/);
    const listed = await f.ok('b', ['files']);
    assert.match(listed.stdout, /kept\.bin .*received/);
  });
});
