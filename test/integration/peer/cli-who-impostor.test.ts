/**
 * `natter who --lan` against forged beacons on loopback broadcast (docs/decisions.md,
 * "Presence: lookalike and impostor beacons"): a profile's contact is pinned to their key
 * in the listener too, so another key under the contact's name, or under a name that
 * looks like it, is never listed as the contact: it is left out and said once on stderr,
 * in the chat's words. A name the relay would refuse (mixed scripts) is dropped.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { fingerprint } from '../../../src/crypto/keys.js';
import type { NatterClient } from '../../../src/peer/client.js';
import { profileCli } from '../../helpers/cli.js';
import { makeClient } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { datagramOf, makePeer, presence, type TestPeer } from '../../unit/presence/fixtures.js';
import { freeUdpPort } from '../presence/helpers.js';

interface WhoLine {
  pseudonym: string;
  fingerprint: string;
}

describe('cli who --lan: impostor and look-alike beacons', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  let bob: NatterClient;

  beforeEach(async () => {
    port = await freeUdpPort();
    const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    relay = await startTestRelay({ presence: lan });
    dir = await makeTempDir();
    env = {
      NATTER_RELAY: `${relay.host}:${relay.port}`,
      NATTER_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    bob = await makeClient('bob', relay, { presence: lan });
    await bob.connect();
  });

  afterEach(async () => {
    await bob.close();
    await relay.close();
    await removeTempDirs();
  });

  const { ok } = profileCli(() => ({ dir, env }));

  /** Signed heartbeats from `peers`, to loopback broadcast on the test's port, until stopped. */
  async function forge(peers: TestPeer[]): Promise<() => Promise<void>> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    socket.setBroadcast(true);
    let seq = 0;
    const send = () => {
      seq++;
      for (const p of peers) {
        const bytes = datagramOf(p, presence(p, seq, { at: Date.now() }));
        socket.send(bytes, port, '127.255.255.255');
      }
    };
    send();
    const timer = setInterval(send, 200);
    return async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    };
  }

  it('never lists an impostor or a look-alike as the contact, and says each once', async () => {
    await ok('alice', ['init', '--name', 'alice']);
    // bob becomes alice's contact (looked up and pinned), then leaves the LAN.
    await ok('alice', ['fingerprint', 'bob']);
    await bob.close();

    const impostor = makePeer('bob');
    const lookalike = makePeer('b\u043eb'); // a Cyrillic 'о': mixed scripts
    const stranger = makePeer('m\u0430llory'); // mixed scripts, no contact of that name
    const honest = makePeer('carol');
    const stop = await forge([impostor, lookalike, stranger, honest]);
    let who: Awaited<ReturnType<typeof ok>>;
    try {
      who = await ok('alice', ['who', '--lan', '--json', '--wait', '1500']);
    } finally {
      await stop();
    }
    const listed = JSON.parse(who.stdout) as WhoLine[];
    assert.deepEqual(
      listed.map((p) => [p.pseudonym, p.fingerprint]),
      [['carol', fingerprint(honest.identity.signPk)]],
    );
    const notes = who.stderr.split('\n').filter((l) => l.includes('claims to be'));
    assert.deepEqual(notes.sort(), [
      `natter: someone on the LAN claims to be bob with another key (${fingerprint(impostor.identity.signPk)}); not shown`,
      `natter: someone on the LAN claims to be b\u043eb with another key (${fingerprint(lookalike.identity.signPk)}); not shown`,
    ]);
    assert.doesNotMatch(who.stderr, /mallory|m\u0430llory/);
  });
});
