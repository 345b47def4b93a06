/**
 * What the CLI says when the relay's fair shares refuse it (QA trial of a hostile client):
 * a relay whose slots this host's silent sockets hold made `send --wait 2000` fail with
 * "did not complete a TLS 1.3 handshake (a natter 1 relay, or not a relay)". Now the relay
 * says E_RELAY_FULL and the CLI says so, at once; a registration over the address's rate
 * says E_TOO_MANY_REGISTRATIONS.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** The code of the last line of stderr: `natter: ... (E_CODE)`. */
const codeOf = (stderr: string) => /\((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

describe('cli: the relay’s fair shares refuse in words', () => {
  let relay: TestRelay;
  let dir: string;
  const sockets: net.Socket[] = [];
  const as = (who: string, argv: string[]) =>
    runCli(['--profile', join(dir, who), '--relay', `${relay.host}:${relay.port}`, ...argv]);

  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await relay.close();
  });
  after(removeTempDirs);

  it('send ends at once with E_RELAY_FULL while this host holds its share of connections', async () => {
    relay = await startTestRelay({ limits: { maxPreloginPerAddress: 2 } });
    assert.equal((await as('f', ['init', '--name', 'frank'])).code, 0);
    for (let i = 0; i < 2; i++) {
      const s = net.connect({ port: relay.port, host: relay.host });
      s.on('error', () => {});
      await new Promise((resolve) => s.once('connect', resolve));
      sockets.push(s);
    }
    const startedAt = Date.now();
    const r = await as('f', ['send', '--wait', '2000', '--to', 'bob', 'hi']);
    const tookMs = Date.now() - startedAt;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(codeOf(r.stderr), 'E_RELAY_FULL', r.stderr);
    assert.match(r.stderr, /the relay has no room for more connections/);
    assert.doesNotMatch(r.stderr, /not a relay/);
    assert.ok(tookMs < 2_000, `send took ${tookMs} ms`);
  });

  it('init and send say E_TOO_MANY_REGISTRATIONS past the address’s registrations', async () => {
    relay = await startTestRelay({ limits: { registrationBurst: 1, registrationsPerMinute: 1 } });
    assert.equal((await as('f', ['init', '--name', 'frank'])).code, 0);
    // A refusal the user must act on (wait a minute): init fails, the profile kept (QA trial).
    const init = await as('g', ['init', '--name', 'gina']);
    assert.equal(init.code, 1, init.stderr);
    assert.match(
      init.stderr,
      /^natter: not registered yet: .* too many new users were registered from this address lately; try again in a minute .*\(E_TOO_MANY_REGISTRATIONS\)\n$/,
    );
    const send = await as('g', ['send', '--to', 'frank', 'hi']);
    assert.equal(send.code, 1);
    assert.equal(codeOf(send.stderr), 'E_TOO_MANY_REGISTRATIONS', send.stderr);
  });
});
