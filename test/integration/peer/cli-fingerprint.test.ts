/**
 * `natter fingerprint --relay` against real relays (issue 10): the relay id a
 * profile registered with, configured or found on the LAN, shown as the relay
 * shows its own at start.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fingerprint } from '../../../src/crypto/keys.js';
import { runCli } from '../../helpers/cli.js';
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
