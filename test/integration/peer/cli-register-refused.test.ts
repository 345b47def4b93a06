/**
 * A relay that refuses a new user's Register for now (sixteenth sitting's operator trial):
 * below its free-space watermark (E_DISK_FULL on the wire). `init` said "not reachable
 * now" and `send` timed out after 30 s, and the refusing relay's id stayed pinned. Now the
 * refusal is said at once, with its code, and nothing is pinned.
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

  it('init says the relay’s disk is full and it is not registered yet, exits 0, and pins no relay id', async () => {
    const startedAt = Date.now();
    const r = await as(['init', '--name', 'frank']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /not registered yet: relay 127\.0\.0\.1:\d+ answered, but its disk is full; try again when it is back .*\(E_RELAY_DISK_FULL\)/,
    );
    assert.equal((await readConfig(profilePaths(join(dir, 'f')))).relayId, undefined);
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < 5_000, `init took ${tookMs} ms`);
  });

  it('send and inbox end at once with E_RELAY_DISK_FULL, not a timeout', async () => {
    assert.equal((await as(['init', '--name', 'frank'])).code, 0);
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
