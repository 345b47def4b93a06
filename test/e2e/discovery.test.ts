/**
 * Finding the relay with real `natter` processes (dist/cli.js) on loopback broadcast
 * (seventeenth sitting's newcomer trial): two relays announcing themselves make `init`
 * ask for --relay instead of picking one; a relay that went away, and a LAN with no
 * relay, are said well before the 30 s a command waits by default, standalone and
 * through a running client. The relays run in this process; the commands do not.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { controlSocketPath, startControlServer } from '../../src/cli/control.js';
import { NatterClient } from '../../src/peer/client.js';
import { silentLogger } from '../../src/util/logger.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { natterProcess, type Run } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { freeUdpPort } from '../integration/presence/helpers.js';

/** What a command waits for its relay by default (--wait): every answer must come well before. */
const DEFAULT_WAIT_MS = 30_000;
const WELL_BEFORE_MS = 20_000;

describe('finding the relay (e2e: spawned natter, loopback broadcast)', function () {
  this.timeout(120_000);
  let port: number;
  let dir: string;
  let env: Record<string, string>;
  let cleanup: (() => Promise<void>)[];

  beforeEach(async () => {
    port = await freeUdpPort();
    dir = await makeTempDir('natter-e2e-discovery-');
    env = {
      HOME: '/nonexistent-home',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_PORT: String(port),
    };
    cleanup = [];
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await removeTempDirs();
  });

  const presence = () => ({
    port,
    extraTargets: ['127.255.255.255'],
    broadcastInterfaces: false,
  });

  async function relay(): Promise<TestRelay> {
    const r = await startTestRelay({ presence: presence() });
    cleanup.push(() => r.close());
    return r;
  }

  async function natter(who: string, args: string[]): Promise<Run & { ms: number }> {
    const started = performance.now();
    const run = await natterProcess(['--profile', join(dir, who), ...args], env);
    return { ...run, ms: performance.now() - started };
  }

  it('init does not pick one of two relays announcing themselves: it lists both and asks for --relay', async () => {
    const office = await relay();
    const stray = await relay();
    const init = await natter('d', ['init', '--name', 'dave']);
    assert.equal(init.code, 1, init.stderr);
    assert.match(init.stderr, /\(E_SEVERAL_RELAYS\)\n$/);
    for (const r of [office, stray]) assert.ok(init.stderr.includes(`127.0.0.1:${r.port}`));
    assert.match(init.stderr, /--relay HOST:PORT/);

    const chosen = await natter('d', [
      'init',
      '--name',
      'dave',
      '--relay',
      `127.0.0.1:${office.port}`,
    ]);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(stray.relay.stats().connections, 0, 'the other relay never saw dave');
  });

  it('says a LAN with no relay within a few beacon intervals, naming the UDP port and the firewall', async () => {
    const init = await natter('d', ['init', '--name', 'dave']);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(`${init.stdout}${init.stderr}`.includes(`UDP port ${port}`), init.stderr);
    const inbox = await natter('d', ['inbox']);
    assert.equal(inbox.code, 1, inbox.stderr);
    assert.match(inbox.stderr, /\(E_NO_RELAY\)\n$/);
    assert.ok(inbox.stderr.includes(`UDP port ${port}`), inbox.stderr);
    assert.match(inbox.stderr, /firewall/);
    assert.ok(inbox.ms < WELL_BEFORE_MS, `took ${inbox.ms} ms (default wait ${DEFAULT_WAIT_MS})`);
  });

  it('says a discovered relay that went away is unreachable, alone and through a running client, in seconds', async () => {
    const office = await relay();
    for (const [who, name] of [
      ['a', 'alice'],
      ['d', 'dave'],
    ] as const) {
      const init = await natter(who, ['init', '--name', name]);
      assert.equal(init.code, 0, init.stderr);
    }
    // dave's chat stand-in: a running client that found the relay by its beacon.
    const profileDir = join(dir, 'd');
    const client = await NatterClient.open({
      profileDir,
      presence: presence(),
      reconnect: { baseMs: 100, maxMs: 500 },
    });
    const control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
    cleanup.push(
      () => client.close(),
      () => control.close(),
    );
    await client.connect({ timeoutMs: 10_000 });
    await office.close();

    const through = await natter('d', ['send', '--to', 'alice', 'hi']);
    assert.equal(through.code, 1, through.stderr);
    assert.match(through.stderr, /\(E_RELAY_UNREACHABLE\)\n$/);
    assert.ok(through.ms < WELL_BEFORE_MS, `through the running client: ${through.ms} ms`);

    await control.close();
    await client.close();
    for (const args of [['send', '--to', 'alice', 'hi'], ['inbox']]) {
      const alone = await natter('d', args);
      assert.equal(alone.code, 1, alone.stderr);
      assert.match(alone.stderr, /\(E_RELAY_UNREACHABLE\)\n$/);
      assert.ok(alone.stderr.includes(`UDP port ${port}`), alone.stderr);
      assert.ok(alone.ms < WELL_BEFORE_MS, `${args[0]} alone: ${alone.ms} ms`);
    }
  });
});
