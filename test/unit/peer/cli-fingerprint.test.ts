/** `natter fingerprint --relay` (issue 10): the pinned relay's fingerprint, read from the profile alone. */
import assert from 'node:assert/strict';
import { fingerprint } from '../../../src/crypto/keys.js';
import { ensureProfileDir, profilePaths, writeConfig } from '../../../src/peer/profile.js';
import { fromHex } from '../../../src/util/bytes.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const errorCode = (stderr: string) => /^natter: .+ \((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

describe('cli: natter fingerprint --relay', () => {
  after(removeTempDirs);

  async function profileWith(config: {
    relay?: string;
    relayId?: string;
    pinnedRelays?: Record<string, string>;
  }) {
    const dir = await makeTempDir();
    await ensureProfileDir(dir);
    await writeConfig(profilePaths(dir), { pinnedRelays: {}, ...config });
    return dir;
  }

  it("prints the pinned relay id's fingerprint, as natter relay prints it at start, without unlocking any key", async () => {
    const relayId = 'c3'.repeat(32);
    const profile = await profileWith({ relayId });
    const text = await runCli(['--profile', profile, 'fingerprint', '--relay']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `relay  ${fingerprint(fromHex(relayId))}\n`);
    const json = await runCli(['--profile', profile, 'fingerprint', '--relay', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), {
      relayId,
      fingerprint: fingerprint(fromHex(relayId)),
      address: null,
    });
  });

  it('shows the per-address pin of the configured relay for a profile from before issue 10', async () => {
    const relayId = 'd4'.repeat(32);
    const profile = await profileWith({ relay: 'r.test:1', pinnedRelays: { 'r.test:1': relayId } });
    const json = await runCli(['--profile', profile, 'fingerprint', '--relay', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      relayId,
      fingerprint: fingerprint(fromHex(relayId)),
      address: 'r.test:1',
    });
  });

  it('fails with E_NO_RELAY when the profile has not registered with a relay yet', async () => {
    const r = await runCli(['--profile', await profileWith({}), 'fingerprint', '--relay']);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r.stderr), 'E_NO_RELAY');
  });

  it('is a usage error with a NAME, and --relay without an address is one for any other command', async () => {
    const profile = await profileWith({ relayId: 'c3'.repeat(32) });
    for (const argv of [
      ['fingerprint', 'bob', '--relay'],
      ['send', '--to', 'bob', '--relay', '--', 'hi'],
      ['contacts', '--relay'],
    ]) {
      const r = await runCli(['--profile', profile, ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(errorCode(r.stderr), 'E_USAGE', argv.join(' '));
    }
  });
});
