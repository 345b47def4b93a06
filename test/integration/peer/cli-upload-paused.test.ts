/**
 * An upload that stopped because no natter runs on the profile is said as paused, not as
 * waiting for the relay (the sixteenth sitting's CLI trial: after a chat quit mid-upload,
 * `outbox` and `transfers` blamed a relay that was up). A running client that is in fact
 * waiting for its relay still says so.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { controlSocketPath, startControlServer } from '../../../src/cli/control.js';
import { NatterClient } from '../../../src/peer/client.js';
import { silentLogger } from '../../../src/util/logger.js';
import { cliRelay } from '../../helpers/cli-relay.js';
import { startTestRelay } from '../../helpers/relay.js';

describe('cli: an upload stopped with natter', function () {
  this.timeout(30_000);
  const f = cliRelay();

  beforeEach(async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('b', ['init', '--name', 'bob']);
    const path = join(f.dir, 'big.bin');
    await writeFile(path, randomBytes(4 * 1024 * 1024));
    await f.ok('a', ['send-file', '--no-wait', '--to', 'bob', path, '--chunk-bytes', '4K']);
  });

  it('is paused until natter runs on the profile, in outbox and transfers', async () => {
    const outbox = await f.ok('a', ['outbox']);
    assert.match(outbox.stdout, /→ @bob {2}paused: resumes when natter runs on this profile/);
    assert.doesNotMatch(outbox.stdout, /waiting for the relay/);
    const transfers = await f.ok('a', ['transfers']);
    assert.match(transfers.stdout, /big\.bin .*paused: resumes when natter runs on this profile$/m);
    assert.doesNotMatch(transfers.stdout, /waiting for the relay/);
  });

  it('waits for the relay in a running client whose relay is down', async () => {
    const port = f.relay.port;
    await f.relay.close();
    // natter chat's stand-in, its relay down: it waits for it (cliRelay's runClient waits 30 s).
    const profileDir = join(f.dir, 'a');
    const client = await NatterClient.open({
      profileDir,
      relay: { host: f.relay.host, port },
      presence: false,
    });
    const control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
    await client.connect({ timeoutMs: 300 }).catch(() => undefined);
    try {
      const outbox = await f.ok('a', ['outbox']);
      assert.match(outbox.stdout, /→ @bob {2}waiting for the relay/);
      const transfers = await f.ok('a', ['transfers']);
      assert.match(transfers.stdout, /big\.bin .*waiting for the relay$/m);
    } finally {
      await control.close();
      await client.close();
      f.relay = await startTestRelay({ port });
    }
  });
});
