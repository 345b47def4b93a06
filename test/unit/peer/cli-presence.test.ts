import assert from 'node:assert/strict';
import { presenceNetwork } from '../../../src/cli/presence.js';
import { isNatterError } from '../../../src/util/errors.js';
import { runCli } from '../../helpers/cli.js';

describe('cli: presence settings from flags and the environment', () => {
  it('reads the port, extra targets, interface switch and interval', () => {
    assert.deepEqual(
      presenceNetwork(
        {
          NATTER_PRESENCE_PORT: '40000',
          NATTER_PRESENCE_TARGETS: ' 127.255.255.255, 10.0.0.255 ,',
          NATTER_PRESENCE_INTERFACES: '0',
          NATTER_PRESENCE_INTERVAL_MS: '500',
        },
        undefined,
      ),
      {
        port: 40000,
        extraTargets: ['127.255.255.255', '10.0.0.255'],
        broadcastInterfaces: false,
        intervalMs: 500,
      },
    );
    assert.deepEqual(presenceNetwork({}, undefined), {}, 'the library defaults apply');
    assert.equal(presenceNetwork({ NATTER_PRESENCE_PORT: '40000' }, 41000).port, 41000);
  });

  it('refuses bad values as usage errors', () => {
    for (const env of [
      { NATTER_PRESENCE_PORT: '0' },
      { NATTER_PRESENCE_PORT: '70000' },
      { NATTER_PRESENCE_TARGETS: 'lan.example' },
      { NATTER_PRESENCE_INTERFACES: 'no' },
      { NATTER_PRESENCE_INTERVAL_MS: '2s' },
      { NATTER_PRESENCE_INTERVAL_MS: '0' },
    ]) {
      assert.throws(
        () => presenceNetwork(env, undefined),
        (e) => isNatterError(e, 'E_USAGE'),
        JSON.stringify(env),
      );
    }
  });

  it('exits 2 on a bad presence setting or status, before touching the network', async () => {
    const badTargets = await runCli(['who'], {
      env: { NATTER_PRESENCE: '1', NATTER_PRESENCE_TARGETS: 'nope' },
    });
    assert.equal(badTargets.code, 2);
    assert.match(badTargets.stderr, /NATTER_PRESENCE_TARGETS/);
    assert.equal((await runCli(['--presence-port', 'x', 'who'])).code, 2);
    assert.equal((await runCli(['inbox', '--follow', '--status', 'asleep'])).code, 2);
  });
});
