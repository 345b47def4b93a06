/**
 * `natter fingerprint --relay` against real relays (issue 10): the relay id a
 * profile registered with, configured or found on the LAN, shown as the relay
 * shows its own at start.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fingerprint } from '../../../src/crypto/keys.js';
import { profileCli, runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort } from '../presence/helpers.js';

describe('cli: natter fingerprint --relay against a real relay', function () {
  this.timeout(15_000);
  let relay: TestRelay | null = null;

  afterEach(async () => {
    await relay?.close();
    relay = null;
    await removeTempDirs();
  });

  it('shows the fingerprint of a configured relay after init registered there', async () => {
    relay = await startTestRelay();
    const profile = join(await makeTempDir(), 'a');
    const env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    const init = await runCli(['--profile', profile, 'init', '--name', 'alice'], { env });
    assert.equal(init.code, 0, init.stderr);
    const shown = await runCli(['--profile', profile, 'fingerprint', '--relay']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, `relay  ${fingerprint(relay.relay.relayId)}\n`);
  });

  it('shows the fingerprint of a relay found on the LAN: its id is saved at registration', async () => {
    const port = await freeUdpPort();
    relay = await startTestRelay({
      presence: { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false },
    });
    const profile = join(await makeTempDir(), 'a');
    const env = {
      NATTER_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    const init = await runCli(['--profile', profile, 'init', '--name', 'alice'], { env });
    assert.equal(init.code, 0, init.stderr);
    const shown = await runCli(['--profile', profile, 'fingerprint', '--relay', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), {
      relayId: Buffer.from(relay.relay.relayId).toString('hex'),
      fingerprint: fingerprint(relay.relay.relayId),
      address: null,
    });
  });
});

describe('cli: natter fingerprint NAME before a first message', function () {
  this.timeout(20_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('looks NAME up on the relay, so both can compare and trust before anyone writes', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
    const atAlice = await as('a', ['fingerprint', 'bob', '--json']);
    assert.equal(atAlice.code, 0, atAlice.stderr);
    const atBob = await as('b', ['fingerprint', 'alice', '--json']);
    assert.equal(atBob.code, 0, atBob.stderr);
    const { safetyNumber } = JSON.parse(atAlice.stdout) as { safetyNumber: string };
    assert.equal(JSON.parse(atBob.stdout).safetyNumber, safetyNumber, 'the same number on both');
    const trusted = await as('a', ['trust', 'bob', '--safety-number', safetyNumber]);
    assert.equal(trusted.code, 0, trusted.stderr);
    const contacts = JSON.parse((await as('a', ['contacts', '--json'])).stdout) as {
      pseudonym: string;
      verified: boolean;
    }[];
    assert.deepEqual(
      contacts.map((c) => [c.pseudonym, c.verified]),
      [['bob', true]],
    );
  });

  it('trusts NAME with the number read out, on a side that never looked NAME up or heard from them', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
    const atAlice = await as('a', ['fingerprint', 'bob', '--json']);
    assert.equal(atAlice.code, 0, atAlice.stderr);
    const { safetyNumber } = JSON.parse(atAlice.stdout) as { safetyNumber: string };
    // Bob has only the number alice read to him: no fingerprint alice, no message.
    const trusted = await as('b', ['trust', 'alice', '--safety-number', safetyNumber]);
    assert.equal(trusted.code, 0, trusted.stderr);
    const contacts = JSON.parse((await as('b', ['contacts', '--json'])).stdout) as {
      pseudonym: string;
      verified: boolean;
    }[];
    assert.deepEqual(
      contacts.map((c) => [c.pseudonym, c.verified]),
      [['alice', true]],
    );
    // Looked up the same way, a wrong number is still refused, and a name nobody holds is said.
    assert.equal((await as('c', ['init', '--name', 'carol'])).code, 0);
    const wrong = await as('c', ['trust', 'bob', '--safety-number', '1'.repeat(60)]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /\(E_SAFETY_NUMBER_MISMATCH\)\n$/);
    const nobody = await as('c', ['trust', 'nobody', '--safety-number', safetyNumber]);
    assert.equal(nobody.code, 1);
    assert.match(
      nobody.stderr,
      /nobody is registered as 'nobody' on this relay \(127\.0\.0\.1:\d+, relay id [0-9a-z-]+\) \(E_UNKNOWN_USER\)\n$/,
    );
  });

  it('says E_UNKNOWN_USER for a name nobody holds, and E_SELF for my own', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    const nobody = await as('a', ['fingerprint', 'nobody']);
    assert.equal(nobody.code, 1);
    assert.match(
      nobody.stderr,
      /nobody is registered as 'nobody' on this relay \(127\.0\.0\.1:\d+, relay id [0-9a-z-]+\) \(E_UNKNOWN_USER\)\n$/,
    );
    const me = await as('a', ['fingerprint', 'alice']);
    assert.equal(me.code, 1);
    assert.match(me.stderr, /\(E_SELF\)\n$/);
  });
});
