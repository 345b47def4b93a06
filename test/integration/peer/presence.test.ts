/**
 * Client presence with real UDP on loopback broadcast and a real relay on
 * 127.0.0.1 (issue 3 §5): LAN and relay merged, BYE, crash removal through the
 * relay's roster and through expiry, zero-configuration relay discovery.
 */
import assert from 'node:assert/strict';
import { generateSigningKeyPair } from '../../../src/crypto/index.js';
import { NatterClient } from '../../../src/peer/client.js';
import type { OnlinePeer, PeerEventMap } from '../../../src/peer/events.js';
import type { PresenceOptions } from '../../../src/peer/index.js';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { RelayBeacon } from '../../../src/presence/relay-beacon.js';
import type { OpenTransport } from '../../../src/presence/transport.js';
import { openPresenceSocket } from '../../../src/presence/udp-socket.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeClient, makeProfile } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort, waitFor } from '../presence/helpers.js';

/** Long enough that only HELLO/QUERY/BYE and the relay, not heartbeats or expiry, explain what a test sees. */
const SLOW_MS = 10_000;

/** A presence transport that can be silenced: a crashed process sends nothing, not even BYE. */
function crashable(): { openTransport: OpenTransport; crash(): void } {
  let dead = false;
  return {
    crash: () => {
      dead = true;
    },
    openTransport: async (options, onDatagram) => {
      const t = await openPresenceSocket(options, onDatagram);
      return {
        broadcast: (bytes) => (dead ? Promise.resolve() : t.broadcast(bytes)),
        sendTo: (bytes, address, port) =>
          dead ? Promise.resolve() : t.sendTo(bytes, address, port),
        close: () => t.close(),
      };
    },
  };
}

const names = (c: NatterClient) => c.online().map((p) => p.pseudonym);
const find = (c: NatterClient, name: string): OnlinePeer | undefined =>
  c.online().find((p) => p.pseudonym === name);

describe('client presence (integration: loopback broadcast and a real relay)', function () {
  this.timeout(10_000);
  let port: number;
  let relay: TestRelay | null;
  let clients: NatterClient[];
  let lan: PresenceOptions;

  beforeEach(async () => {
    port = await freeUdpPort();
    lan = {
      port,
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
      intervalMs: SLOW_MS,
    };
    relay = null;
    clients = [];
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await relay?.close();
    await removeTempDirs();
  });

  async function client(name: string, presence: PresenceOptions = {}): Promise<NatterClient> {
    assert.ok(relay);
    const c = await makeClient(name, relay, { presence: { ...lan, ...presence } });
    clients.push(c);
    return c;
  }

  /** A client with no relay configured anywhere. */
  async function unconfigured(name: string): Promise<NatterClient & { profileDir: string }> {
    const profile = await makeProfile(name);
    const c = await NatterClient.open({ profileDir: profile.dir, presence: lan });
    clients.push(c);
    return Object.assign(c, { profileDir: profile.dir });
  }

  // Bounds here prove which mechanism acted (heartbeats are SLOW_MS apart), not speed:
  // speed is measured by `npm run bench -- presence`, never asserted in tests.
  it('lists each client in the other at once (HELLO/QUERY), from both the LAN and the relay', async () => {
    relay = await startTestRelay();
    const alice = await client('alice');
    await alice.connect();
    const bob = await client('bob', { status: 'away', statusText: 'lunch' });
    const started = performance.now();
    await bob.connect();
    await waitFor(
      () => names(alice).includes('bob') && names(bob).includes('alice'),
      2000 - (performance.now() - started),
      'alice and bob to see each other',
    );
    await waitFor(
      () => find(alice, 'bob')?.source === 'both' && find(bob, 'alice')?.source === 'both',
      1000,
      'both sources',
    );
    const seen = find(alice, 'bob');
    assert.equal(seen?.status, 'away');
    assert.equal(seen?.statusText, 'lunch');
    assert.equal(seen?.address, '127.0.0.1');
    assert.equal(seen?.fingerprint, bob.me.fingerprint);
    assert.equal(seen?.userId, bob.me.userId);
    assert.deepEqual(names(alice), ['bob'], 'never lists itself');
  });

  it('sorts the online list by pseudonym, ignoring case', async () => {
    relay = await startTestRelay();
    const me = await client('me');
    await me.connect();
    for (const name of ['bob', 'Alice', 'carol']) await (await client(name)).connect();
    await waitFor(() => names(me).length === 3, 1000, 'three peers');
    assert.deepEqual(names(me), ['Alice', 'bob', 'carol']);
  });

  it('announces a status change at once on the LAN and through the relay', async () => {
    relay = await startTestRelay();
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.connect();
    await bob.connect();
    await waitFor(() => find(alice, 'bob')?.source === 'both', 1000, 'bob from both');
    const updates: PeerEventMap['roster:change'][] = [];
    alice.on('roster:change', (e) => updates.push(e));
    await bob.setStatus('busy', 'in a meeting');
    await waitFor(() => find(alice, 'bob')?.status === 'busy', 2000, 'the new status');
    assert.equal(find(alice, 'bob')?.statusText, 'in a meeting');
    assert.ok(updates.every((u) => u.type === 'update'));
    await assert.rejects(bob.setStatus('busy', 'two\nlines'), (e) =>
      isNatterError(e, 'E_BAD_STATUS'),
    );
  });

  it('removes a client that logs out at once (BYE and the relay)', async () => {
    relay = await startTestRelay();
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.connect();
    await bob.connect();
    await waitFor(() => find(alice, 'bob')?.source === 'both', 1000, 'bob from both');
    const leaves: PeerEventMap['roster:change'][] = [];
    alice.on('roster:change', (e) => {
      if (e.type === 'leave') leaves.push(e);
    });
    const stopped = performance.now();
    await bob.logout();
    await waitFor(() => !names(alice).includes('bob'), 2000, 'bob to leave');
    assert.ok(performance.now() - stopped < 1000);
    assert.equal(leaves.length, 1);
  });

  it('removes a crashed client (no BYE, TCP gone) through the relay roster at once', async () => {
    relay = await startTestRelay();
    const alice = await client('alice');
    const net = crashable();
    const bob = await client('bob', { openTransport: net.openTransport });
    await alice.connect();
    await bob.connect();
    await waitFor(() => find(alice, 'bob')?.source === 'both', 1000, 'bob from both');
    const leaves: PeerEventMap['roster:change'][] = [];
    alice.on('roster:change', (e) => {
      if (e.type === 'leave') leaves.push(e);
    });
    net.crash();
    await bob.close(); // drops the TCP connection without Goodbye; the BYE goes nowhere
    const elapsed = await waitFor(() => !names(alice).includes('bob'), 2000, 'bob to be removed');
    assert.ok(elapsed < 2000, 'through the relay roster, long before any heartbeat expiry');
    assert.equal(leaves[0]?.reason, 'relay-gone');
    assert.equal(leaves[0]?.peer.pseudonym, 'bob');
  });

  it('keeps LAN entries when the relay goes, and expires a crashed client after the budget', async () => {
    relay = await startTestRelay();
    // Budget 3 x 300 ms: wide enough that a busy machine cannot fake an early expiry.
    const fast = { intervalMs: 300, missedBeforeExpiry: 3 };
    const alice = await client('alice', fast);
    const net = crashable();
    const bob = await client('bob', { ...fast, openTransport: net.openTransport });
    await alice.connect();
    await bob.connect();
    await waitFor(() => find(alice, 'bob')?.source === 'both', 1000, 'bob from both');
    await relay.close();
    relay = null;
    await waitFor(() => find(alice, 'bob')?.source === 'lan', 1000, 'the relay entries to go');
    const leaves: PeerEventMap['roster:change'][] = [];
    alice.on('roster:change', (e) => {
      if (e.type === 'leave') leaves.push(e);
    });
    net.crash();
    const crashedAt = performance.now();
    await bob.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.ok(names(alice).includes('bob'), 'still listed within the budget');
    await waitFor(() => !names(alice).includes('bob'), 4000, 'bob to expire');
    const after = performance.now() - crashedAt;
    // Last heartbeat at most one interval before the crash: expiry 600..900 ms after it.
    assert.ok(after >= 590 && after < 4000, `expired after ${after} ms`);
    assert.equal(leaves[0]?.reason, 'expired');
  });

  it('finds the relay on the LAN when none is configured, and pins what it proves', async () => {
    relay = await startTestRelay({
      presence: { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false },
    });
    const alice = await unconfigured('alice');
    const discovered: PeerEventMap['relay:discovered'][] = [];
    alice.on('relay:discovered', (e) => discovered.push(e));
    await alice.connect({ timeoutMs: 3000 });
    assert.equal(discovered[0]?.address, `127.0.0.1:${relay.port}`);
    assert.equal(discovered[0]?.name, 'natter relay');
    const found = await alice.discoverRelay(500);
    assert.equal(found?.port, relay.port);
    const relayId = Buffer.from(relay.relay.relayId).toString('hex');
    assert.equal(found?.relayId, relayId);
    const config = await readConfig(profilePaths(alice.profileDir));
    assert.equal(config.relayId, relayId, 'the relay id is pinned');
  });

  it('follows a discovered relay that moved to another port, instead of dialling the old one', async () => {
    const presence = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    relay = await startTestRelay({ presence });
    const { dataDir } = relay;
    const profile = await makeProfile('alice');
    const first = await NatterClient.open({ profileDir: profile.dir, presence: lan });
    await first.connect({ timeoutMs: 3000 });
    await first.close();
    const oldPort = relay.port;
    await relay.close();
    // Same relay (same data dir, same key), another port.
    relay = await startTestRelay({ presence, dataDir });
    assert.notEqual(relay.port, oldPort);
    const again = await NatterClient.open({ profileDir: profile.dir, presence: lan });
    clients.push(again);
    const discovered: PeerEventMap['relay:discovered'][] = [];
    again.on('relay:discovered', (e) => discovered.push(e));
    await again.connect({ timeoutMs: 3000 });
    assert.equal(discovered[0]?.address, `127.0.0.1:${relay.port}`);
  });

  it('refuses a discovered address whose relay does not prove the beacon relay id', async () => {
    relay = await startTestRelay();
    // A beacon signed by another key, pointing at the real relay's port.
    const impostor = generateSigningKeyPair();
    const beacon = new RelayBeacon({
      port,
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
      relayId: impostor.publicKey,
      relaySecretKey: impostor.secretKey,
      relayPort: relay.port,
      name: 'not the relay',
    });
    await beacon.start();
    try {
      const alice = await unconfigured('alice');
      // After the refusal it listens until the deadline for another address of that relay.
      await assert.rejects(alice.connect({ timeoutMs: 1000 }), (e) =>
        isNatterError(e, 'E_RELAY_ID_MISMATCH'),
      );
    } finally {
      await beacon.stop();
    }
  });

  it('fails with E_NO_RELAY when no relay is configured and none answers', async () => {
    const alice = await unconfigured('alice');
    const started = performance.now();
    await assert.rejects(alice.connect({ timeoutMs: 300 }), (e) => isNatterError(e, 'E_NO_RELAY'));
    assert.ok(performance.now() - started < 1000);
  });
});
