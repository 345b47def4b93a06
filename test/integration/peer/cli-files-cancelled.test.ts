/**
 * A file offer the sender cancelled before its recipient, offline, accepted it: `accept`
 * says the sender cancelled it, at once, coded, before any progress line, and `files`
 * lists it so afterwards (the sixteenth sitting's CLI trial: 0% lines, then the relay's
 * raw `file: no such transfer for you`; a later QA trial: E_FILE_UNKNOWN from the relay
 * for an offer the profile already knew its sender had cancelled).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliRelay, until } from '../../helpers/cli-relay.js';

describe('cli: a file offer cancelled before it was accepted', function () {
  this.timeout(30_000);
  const f = cliRelay();

  beforeEach(async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('b', ['init', '--name', 'bob']);
    // bob is known to the relay (registered) but offline from here on.
    await f.ok('b', ['inbox']);
  });

  it('accept fails with E_FILE_CANCELLED saying the sender cancelled it, no progress printed; files says so after', async () => {
    const path = join(f.dir, 'huge.bin');
    await writeFile(path, randomBytes(200_000));
    const sent = await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path]);
    const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    await f.ok('a', ['outbox', 'cancel', id]);
    // The relay hears of it the next time alice connects.
    await f.ok('a', ['inbox']);

    const accepted = await f.as('b', ['accept', id]);
    assert.equal(accepted.code, 1);
    assert.equal(
      accepted.stderr,
      'natter: accept: huge.bin: the sender cancelled it (E_FILE_CANCELLED)\n',
    );
    assert.doesNotMatch(accepted.stderr, /%/, 'no progress line for a download that never began');
    const listed = await f.ok('b', ['files', '--local']);
    assert.match(listed.stdout, /huge\.bin .* {2}cancelled by the sender$/m);
  });

  /** An offer of alice's to bob that she cancelled, and bob has heard of both: its id. */
  async function knownCancelled(name: string): Promise<string> {
    const path = join(f.dir, name);
    await writeFile(path, randomBytes(200_000));
    const sent = await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path]);
    const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    await f.ok('a', ['outbox', 'cancel', id]);
    const listed = await f.ok('b', ['files']);
    assert.match(listed.stdout, /cancelled by the sender$/m);
    return id;
  }

  it('accept through a running chat of an offer its sender cancelled is refused by the chat, E_FILE_CANCELLED', async () => {
    const id = await knownCancelled('known.bin');
    await f.runClient('b');
    const accepted = await f.as('b', ['accept', id]);
    assert.equal(accepted.code, 1);
    assert.equal(
      accepted.stderr,
      'natter: accept: known.bin: the sender cancelled it (E_FILE_CANCELLED)\n',
    );
  });

  it('accept of an offer the profile knows its sender cancelled is refused before the relay is waited for', async () => {
    const id = await knownCancelled('known.bin');
    await f.relay.close();
    const began = Date.now();
    const accepted = await f.as('b', ['accept', '--wait', '20000', id]);
    assert.equal(accepted.code, 1);
    assert.equal(
      accepted.stderr,
      'natter: accept: known.bin: the sender cancelled it (E_FILE_CANCELLED)\n',
    );
    assert.ok(Date.now() - began < 10_000, 'refused without waiting for the relay');
  });

  it('outbox cancel of a send not yet uploading tells the relay at once: it drops the file, not waiting for the upload', async () => {
    const path = join(f.dir, 'big.bin');
    await writeFile(path, randomBytes(200_000));
    const sent = await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path]);
    const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    assert.equal(f.relay.relay.stats().storedFiles, 1);
    const cancelled = await f.ok('a', ['outbox', 'cancel', id]);
    assert.match(cancelled.stdout, /^cancelled 1 file\(s\)/);
    assert.match(cancelled.stderr, /the relay was told/);
    // No connection of alice's in between: the cancel itself reached the relay. (bob's
    // accept hears of it from alice too, end to end, so it no longer asks the relay.)
    await until(() => f.relay.relay.stats().storedFiles === 0, 'the relay to drop the file');
    const accepted = await f.as('b', ['accept', '--wait', '10000', id]);
    assert.equal(accepted.code, 1);
    assert.match(accepted.stderr, /\(E_FILE_CANCELLED\)\n$/);
  });

  it('files lists offers their sender cancelled as cancelled by the sender, --json as failed E_FILE_CANCELLED', async () => {
    const ids: string[] = [];
    for (const name of ['gone.bin', 'told.bin']) {
      const path = join(f.dir, name);
      await writeFile(path, randomBytes(200_000));
      const sent = await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path]);
      const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
      assert.ok(id, sent.stdout);
      ids.push(id);
      const cancelled = await f.ok('a', ['outbox', 'cancel', id]);
      assert.match(
        cancelled.stderr,
        /the relay was told: recipients can no longer fetch it, and their natter says so/,
      );
    }
    // bob's next connecting command hears of both, with the offers.
    const listed = await f.ok('b', ['files']);
    assert.match(
      listed.stdout,
      new RegExp(`^${ids[0]} .*gone\\.bin .*  cancelled by the sender$`, 'm'),
    );
    assert.match(
      listed.stdout,
      new RegExp(`^${ids[1]} .*told\\.bin .*  cancelled by the sender$`, 'm'),
    );
    assert.doesNotMatch(listed.stdout, /offered/);
    const json = await f.ok('b', ['files', '--local', '--json']);
    for (const line of json.stdout.trim().split('\n')) {
      const o = JSON.parse(line) as { state: string; error: { code: string } };
      assert.equal(o.state, 'failed');
      assert.equal(o.error.code, 'E_FILE_CANCELLED');
    }
  });

  it('inbox says an offer was cancelled by its sender as it hears of it', async () => {
    const path = join(f.dir, 'oops.bin');
    await writeFile(path, randomBytes(200_000));
    const sent = await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path]);
    const id = /\(transfer ([0-9a-f]{8})\)/.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    await f.ok('a', ['outbox', 'cancel', id]);
    const inbox = await f.ok('b', ['inbox']);
    assert.match(
      inbox.stderr,
      /^natter: alice cancelled oops\.bin \(195\.3 KiB\): it can no longer be fetched$/m,
    );
  });
});
