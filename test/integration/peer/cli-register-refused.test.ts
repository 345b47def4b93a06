/**
 * A relay that refuses a new user's Register for now (sixteenth sitting's operator trial):
 * below its free-space watermark (E_DISK_FULL on the wire). `init` said "not reachable
 * now" and `send` timed out after 30 s, and the refusing relay's id stayed pinned. Now the
 * refusal is said at once, with its code, and nothing is pinned. Since the QA trial of
 * init's failures, init exits 1 with it on stderr, and the profile it kept registers later.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** The code of the last line of stderr: `natter: ... (E_CODE)`. */
const codeOf = (stderr: string) => /\((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

describe('cli: a relay whose disk is below its watermark refuses a new user at once', () => {
  let relay: TestRelay;
  let dir: string;
  const as = (argv: string[]) =>
    runCli(['--profile', join(dir, 'f'), '--relay', `${relay.host}:${relay.port}`, ...argv]);

  beforeEach(async () => {
    // No disk has this much free: every write is below the watermark.
    relay = await startTestRelay({ limits: { minFreeDiskBytes: 2 ** 60 } });
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await relay.close();
  });
  after(removeTempDirs);

  it('init fails (exit 1) on stderr: the relay’s disk is full, the identity kept, and it pins no relay id', async () => {
    const startedAt = Date.now();
    const r = await as(['init', '--name', 'frank']);
    // A refusal the user must act on is a failure (QA trial: it said so on stdout, exit 0).
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^natter: not registered yet: relay 127\.0\.0\.1:\d+ answered, but its disk is full; try again when it is back .*\(E_RELAY_DISK_FULL\)\n$/,
    );
    // It says what was kept and what to do.
    assert.ok(r.stderr.includes(`your identity is kept in ${join(dir, 'f')}`), r.stderr);
    assert.match(
      r.stderr,
      /natter inbox, or any command that reaches the relay, registers the name/,
    );
    assert.match(r.stdout, /^frank {2}\S+\nidentity created in /);
    assert.doesNotMatch(r.stdout, /not registered/);
    assert.equal((await readConfig(profilePaths(join(dir, 'f')))).relayId, undefined);
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < 5_000, `init took ${tookMs} ms`);
  });

  it('the kept profile registers at the next command once the relay has room again', async () => {
    assert.equal((await as(['init', '--name', 'frank'])).code, 1);
    await relay.close();
    relay = await startTestRelay({ dataDir: relay.dataDir, port: relay.port });
    const inbox = await as(['inbox']);
    assert.equal(inbox.code, 0, inbox.stderr);
    assert.ok((await readConfig(profilePaths(join(dir, 'f')))).relayId, 'pinned once registered');
    const other = await runCli([
      '--profile',
      join(dir, 'g'),
      '--relay',
      `${relay.host}:${relay.port}`,
      'init',
      '--name',
      'frank',
    ]);
    assert.equal(other.code, 1, 'frank is registered now');
    assert.match(other.stderr, /\(E_PSEUDONYM_TAKEN\)\n$/);
  });

  it('send and inbox end at once with E_RELAY_DISK_FULL, not a timeout', async () => {
    assert.equal((await as(['init', '--name', 'frank'])).code, 1);
    for (const argv of [['send', '--to', 'bob', 'hi'], ['inbox']]) {
      const startedAt = Date.now();
      const r = await as(argv);
      const tookMs = Date.now() - startedAt;
      assert.equal(r.code, 1, argv[0]);
      assert.equal(codeOf(r.stderr), 'E_RELAY_DISK_FULL', r.stderr);
      assert.match(r.stderr, /not registered yet: the relay's disk is full/);
      assert.ok(tookMs < 5_000, `${argv[0]} took ${tookMs} ms (--wait is 30 s)`);
    }
    assert.equal((await readConfig(profilePaths(join(dir, 'f')))).relayId, undefined);
  });
});
