/**
 * `natter send --json` when the relay never answers: the timeout (E_RELAY_TIMEOUT,
 * exit 1) still prints each message's id and state, so a script knows what stays
 * queued (a new-user trial found stdout empty).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { type CliRun, jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

describe('cli send --json when the relay never answers', function () {
  this.timeout(30_000);
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));
  const sockets: net.Socket[] = [];
  let silent: net.Server;

  beforeEach(async () => {
    dir = await makeTempDir();
    const relay = await startTestRelay();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    await ok('a', ['init', '--name', 'alice']);
    await relay.close();
    // Takes connections and says nothing, as a relay cut off without a sound would.
    silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    env = { NATTER_RELAY: `127.0.0.1:${(silent.address() as net.AddressInfo).port}` };
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => silent.close(r));
    await removeTempDirs();
  });

  it('prints each message as queued, by id, and exits 1 with E_RELAY_TIMEOUT', async () => {
    const run: CliRun = await as('a', ['send', '--to', 'bob', '--json', '--wait', '1500', 'hello']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /E_RELAY_TIMEOUT/);
    const states = jsonLines<{ msgId: string; state: string }>(run);
    assert.equal(states.length, 1, run.stdout);
    assert.match(states[0]!.msgId, /^[0-9a-f]{32}$/);
    assert.equal(states[0]!.state, 'queued');
  });
});
