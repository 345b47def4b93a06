/**
 * Relay identity, not address (issue 10), with real UDP on loopback broadcast
 * and real relays on loopback addresses: a replayed beacon from another address
 * does not choose where the client dials; once the relay id is pinned, beacons
 * of another relay are ignored unless the user accepts a new relay.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { NatterClient } from '../../../src/peer/client.js';
import type { PeerEventMap } from '../../../src/peer/events.js';
import type { PresenceOptions } from '../../../src/peer/index.js';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { signPresence } from '../../../src/presence/datagram.js';
import { RelayBeacon } from '../../../src/presence/relay-beacon.js';
import { loadOrCreateRelayKey } from '../../../src/relay/identity.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeProfile } from '../../helpers/profile.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort } from '../presence/helpers.js';

/** Heartbeats this far apart play no part: only QUERY answers and the test's datagrams do. */
const SLOW_MS = 10_000;
/** Another loopback address: the "attacker" host. */
const ATTACKER = '127.0.0.2';

async function udp(address: string, port = 0): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  socket.setBroadcast(true);
  return socket;
}

const closeSocket = (s: Socket) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('relay identity, not address (integration: loopback broadcast, real relays)', function () {
  this.timeout(15_000);
  let port: number;
  let lan: PresenceOptions;
  let cleanup: (() => Promise<void>)[];

  beforeEach(async () => {
    port = await freeUdpPort();
    lan = {
      port,
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
      intervalMs: SLOW_MS,
    };
    cleanup = [];
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await removeTempDirs();
  });

  async function open(profileDir: string, extra: { acceptNewRelayKey?: boolean } = {}) {
    const client = await NatterClient.open({ profileDir, presence: lan, ...extra });
    cleanup.push(() => client.close());
    return client;
  }

  async function relayAt(host: string, options: { port?: number; dataDir?: string } = {}) {
    const relay: RunningRelay = await startRelay({
      host,
      port: options.port ?? 0,
      dataDir: options.dataDir ?? (await makeTempDir('natter-relay-')),
    });
    cleanup.push(() => relay.close());
    return relay;
  }

  it('does not dial only the address of a replayed beacon that arrived first: the relay proves which address is real', async () => {
    // The real relay beacons nothing itself here: the test sends its beacon, so the
    // replay from the attacker's address is sure to arrive first.
    const real = await startTestRelay();
    cleanup.push(() => real.close());
    const key = await loadOrCreateRelayKey(real.dataDir);
    // At the attacker's address, on the same port: a relay with another key.
    const impostor = await relayAt(ATTACKER, { port: real.port });
    const listen = await udp('0.0.0.0', port);
    const fromAttacker = await udp(ATTACKER);
    const fromRelay = await udp('127.0.0.1');
    cleanup.push(
      () => closeSocket(listen),
      () => closeSocket(fromAttacker),
      () => closeSocket(fromRelay),
    );
    let answered = false;
    listen.on('message', () => {
      // The client's HELLO or QUERY: the attacker answers at once with a recorded
      // genuine beacon, the relay's own copy comes a moment later.
      if (answered) return;
      answered = true;
      const now = systemClock.now();
      const beacon = signPresence(
        {
          kind: 'relay',
          relayId: key.publicKey,
          relayPort: real.port,
          relayName: 'natter relay',
          seq: now,
          timestampMs: now,
        },
        key.secretKey,
      );
      fromAttacker.send(beacon, port, '127.255.255.255', () => {
        setTimeout(() => fromRelay.send(beacon, port, '127.255.255.255'), 5);
      });
    });

    const profile = await makeProfile('alice');
    const alice = await open(profile.dir);
    const errors: PeerEventMap['error'][] = [];
    const states: PeerEventMap['connection:state'][] = [];
    alice.on('error', (e) => errors.push(e));
    alice.on('connection:state', (e) => states.push(e));
    await alice.connect({ timeoutMs: 5000 });

    assert.equal(states.find((s) => s.state === 'ready')?.relay?.address, `127.0.0.1:${real.port}`);
    assert.deepEqual(
      errors.map((e) => [e.code, e.fatal]),
      [['E_RELAY_ID_MISMATCH', false]],
      "the attacker's address was tried and refused, not trusted and not fatal",
    );
    assert.equal(impostor.stats().connections, 0, 'nothing stayed connected to the impostor');
    const config = await readConfig(profilePaths(profile.dir));
    assert.equal(config.relayId, toHex(real.relay.relayId), 'the relay id is saved');
    assert.equal(config.relay, undefined, 'a discovered address is not');
  });

  it('ignores a beacon with another relay id once one is pinned, until the user accepts a new relay', async () => {
    const presence = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    const first = await startTestRelay({ presence });
    cleanup.push(() => first.close());
    const profile = await makeProfile('alice');
    const once = await open(profile.dir);
    await once.connect({ timeoutMs: 3000 });
    await once.close();
    const pinned = (await readConfig(profilePaths(profile.dir))).relayId;
    assert.equal(pinned, toHex(first.relay.relayId));
    await first.close();

    // Another relay (another key) now answers on the LAN.
    const other = await startTestRelay({ presence });
    cleanup.push(() => other.close());
    const alice = await open(profile.dir);
    await assert.rejects(alice.connect({ timeoutMs: 1000 }), (e) => {
      assert.ok(isNatterError(e, 'E_RELAY_KEY_CHANGED'), String(e));
      assert.match(e.message, /--accept-new-relay-key/);
      return true;
    });
    assert.equal(other.relay.stats().connections, 0, 'never dialled');
    assert.equal((await readConfig(profilePaths(profile.dir))).relayId, pinned);
    await alice.close();

    const accepting = await open(profile.dir, { acceptNewRelayKey: true });
    await accepting.connect({ timeoutMs: 3000 });
    const repinned = await readConfig(profilePaths(profile.dir));
    assert.equal(repinned.relayId, toHex(other.relay.relayId));
  });

  it('finds the pinned relay at a new address, beside a relay with another id', async () => {
    const presence = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    const dataDir = await makeTempDir('natter-relay-');
    const first = await startTestRelay({ presence, dataDir });
    cleanup.push(() => first.close());
    const profile = await makeProfile('alice');
    const once = await open(profile.dir);
    await once.connect({ timeoutMs: 3000 });
    await once.close();
    await first.close();

    const stranger = await startTestRelay({ presence });
    cleanup.push(() => stranger.close());
    // The same relay (same key) moved to another loopback address; it beacons from there.
    const moved = await relayAt(ATTACKER, { dataDir });
    const key = await loadOrCreateRelayKey(dataDir);
    const beacon = new RelayBeacon({
      ...presence,
      relayId: key.publicKey,
      relaySecretKey: key.secretKey,
      relayPort: moved.address.port,
      name: 'moved',
      listenHost: ATTACKER,
    });
    await beacon.start();
    cleanup.push(() => beacon.stop());

    const alice = await open(profile.dir);
    const states: PeerEventMap['connection:state'][] = [];
    alice.on('connection:state', (e) => states.push(e));
    await alice.connect({ timeoutMs: 3000 });
    assert.equal(
      states.find((s) => s.state === 'ready')?.relay?.address,
      `${ATTACKER}:${moved.address.port}`,
    );
    assert.equal(stranger.relay.stats().connections, 0);
  });

  it('says a relay restarted with a new key (a new data dir) is E_RELAY_KEY_CHANGED with the way out, at once, to a running session and to a new connect', async () => {
    const presence = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    const first = await startTestRelay({ presence });
    const profile = await makeProfile('alice');
    const alice = await NatterClient.open({
      profileDir: profile.dir,
      presence: lan,
      reconnect: { baseMs: 50, maxMs: 100 },
    });
    cleanup.push(() => alice.close());
    const fatal = new Promise<PeerEventMap['error']>((resolve) =>
      alice.on('error', (e) => e.fatal && resolve(e)),
    );
    await alice.connect({ timeoutMs: 3000 });
    await first.close();
    // Same address, same beacon port, another data dir: another relay key.
    const reinstalled = await startTestRelay({ presence, port: first.port });
    cleanup.push(() => reinstalled.close());
    const said = await fatal;
    assert.equal(said.code, 'E_RELAY_KEY_CHANGED', said.message);
    assert.match(said.message, /--accept-new-relay-key/);
    await alice.close();

    const fresh = await open(profile.dir);
    const startedAt = Date.now();
    await assert.rejects(fresh.connect({ timeoutMs: 10_000 }), (e) => {
      assert.ok(isNatterError(e, 'E_RELAY_KEY_CHANGED'), String(e));
      assert.match(e.message, /--accept-new-relay-key/);
      return true;
    });
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < 3_000, `a new connect took ${tookMs} ms to say it (its wait was 10 s)`);
  });

  it("redials at once when its relay's beacon says it is back, not after the backoff", async () => {
    const presence = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    const dataDir = await makeTempDir('natter-relay-');
    const first = await startTestRelay({ presence, dataDir });
    const profile = await makeProfile('alice');
    // Every backoff delay near a minute: only the beacon can bring the redial inside the test.
    const alice = await NatterClient.open({
      profileDir: profile.dir,
      presence: lan,
      reconnect: { baseMs: 60_000, maxMs: 60_000, random: () => 0.99 },
    });
    cleanup.push(() => alice.close());
    await alice.connect({ timeoutMs: 3000 });
    const offline = new Promise<void>((resolve) =>
      alice.on('connection:state', (e) => e.state === 'offline' && resolve()),
    );
    await first.close();
    await offline;
    const back = new Promise<void>((resolve) =>
      alice.on('connection:state', (e) => e.state === 'ready' && resolve()),
    );
    const again = await startTestRelay({ presence, dataDir, port: first.port });
    cleanup.push(() => again.close());
    await back;
    assert.equal(again.relay.stats().onlineUsers, 1);
  });
});
