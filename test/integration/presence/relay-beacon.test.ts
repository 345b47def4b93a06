import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { generateSigningKeyPair } from '../../../src/crypto/index.js';
import { RelayBeacon, type RelayBeaconOptions } from '../../../src/presence/relay-beacon.js';
import { parseIPv4 } from '../../../src/presence/targets.js';
import type { OpenTransport } from '../../../src/presence/transport.js';
import { openPresenceSocket } from '../../../src/presence/udp-socket.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { BeaconSet, freeUdpPort, waitFor } from './helpers.js';

/** Long enough that only the first beacon and QUERY answers explain what a test sees. */
const SLOW_MS = 10_000;

const isLoopback = (address: string) => (parseIPv4(address) ?? 0) >>> 24 === 127;

/**
 * The real UDP transport behind a guard: these tests leave interface broadcasts
 * on, so the guard records every target list the code under test asks for and
 * drops whatever is not loopback before it reaches a socket.
 */
function loopbackGuard(): {
  openTransport: OpenTransport;
  asked: string[][];
  refused: string[];
  sendAddresses: string[];
} {
  const asked: string[][] = [];
  const refused: string[] = [];
  const sendAddresses: string[] = [];
  const openTransport: OpenTransport = async (options, onDatagram) => {
    sendAddresses.push(options.sendAddress);
    const targets = () => {
      const wanted = [...options.targets()];
      asked.push(wanted);
      refused.push(...wanted.filter((t) => !isLoopback(t)));
      return wanted.filter(isLoopback);
    };
    const real = await openPresenceSocket({ ...options, targets }, onDatagram);
    return {
      broadcast: (bytes) => real.broadcast(bytes),
      sendTo: (bytes, address, port) => {
        if (isLoopback(address)) return real.sendTo(bytes, address, port);
        refused.push(address);
        return Promise.resolve();
      },
      close: () => real.close(),
    };
  };
  return { openTransport, asked, refused, sendAddresses };
}

/** True if this host lets a UDP socket bind `address` (127.0.0.2 is local on Linux, not on macOS). */
async function canBind(address: string): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

describe('relay beacon on a loopback-bound relay (integration, real interfaces behind a guard)', function () {
  this.timeout(5000);
  let set: BeaconSet;
  let cleanup: (() => Promise<void>)[];

  beforeEach(async () => {
    set = new BeaconSet(await freeUdpPort());
    cleanup = [];
  });

  afterEach(async () => {
    await set.stopAll();
    await Promise.all(cleanup.map((fn) => fn()));
  });

  after(removeTempDirs);

  async function relayBeacon(extra: Partial<RelayBeaconOptions>): Promise<RelayBeacon> {
    const keys = generateSigningKeyPair();
    const relay = new RelayBeacon({
      port: set.port,
      relayId: keys.publicKey,
      relaySecretKey: keys.secretKey,
      relayPort: 47474,
      name: 'office',
      intervalMs: SLOW_MS,
      ...extra,
    });
    cleanup.push(() => relay.stop());
    await relay.start();
    return relay;
  }

  it('asks for the loopback broadcast only, with interface broadcasts on, and is found there', async () => {
    const guard = loopbackGuard();
    await relayBeacon({ listenHost: '127.0.0.1', openTransport: guard.openTransport });
    const who = await set.start(null);
    await waitFor(() => who.beacon.relays().length === 1, 2000, 'the relay');
    assert.equal(who.beacon.relays()[0]?.address, '127.0.0.1');
    assert.deepEqual(guard.asked, [['127.255.255.255']]);
    assert.deepEqual(guard.refused, []);
    assert.deepEqual(guard.sendAddresses, ['127.0.0.1']);
  });

  it('beacons from its listen address, so a client dials the address the relay listens on', async function () {
    if (!(await canBind('127.0.0.2'))) {
      console.log(
        '      skipped: this host cannot bind 127.0.0.2 (only Linux makes all of 127/8 local)',
      );
      this.skip();
    }
    const guard = loopbackGuard();
    await relayBeacon({ listenHost: '127.0.0.2', openTransport: guard.openTransport });
    const who = await set.start(null);
    await waitFor(() => who.beacon.relays().length === 1, 2000, 'the relay');
    assert.equal(who.beacon.relays()[0]?.address, '127.0.0.2');
    assert.deepEqual(guard.refused, []);
  });

  it("follows a relay's --host: startRelay on 127.0.0.1 beacons on loopback only", async () => {
    const guard = loopbackGuard();
    let relay: TestRelay | null = null;
    cleanup.push(async () => relay?.close());
    relay = await startTestRelay({
      presence: { port: set.port, intervalMs: SLOW_MS, openTransport: guard.openTransport },
    });
    const who = await set.start(null);
    await waitFor(() => who.beacon.relays().length === 1, 2000, 'the relay');
    assert.equal(who.beacon.relays()[0]?.port, relay.port);
    assert.deepEqual(guard.refused, [], 'nothing meant for a real interface');
    assert.ok(guard.asked.length >= 1);
    for (const targets of guard.asked) assert.deepEqual(targets, ['127.255.255.255']);
  });
});
