import assert from 'node:assert/strict';
import { generateSigningKeyPair } from '../../../src/crypto/index.js';
import { fingerprint } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { MAX_OTHER_RELAYS_NAMED } from '../../../src/presence/constants.js';
import { anonymousQuery, signPresence } from '../../../src/presence/datagram.js';
import { RelayBeacon, type RelayBeaconOptions } from '../../../src/presence/relay-beacon.js';
import type { InterfaceList } from '../../../src/presence/targets.js';
import type {
  OpenTransport,
  ReceivedDatagram,
  TransportOptions,
} from '../../../src/presence/transport.js';
import { ManualClock } from '../../../src/util/clock.js';
import type { LogFields, Logger } from '../../../src/util/logger.js';
import { QUERY_NONCE_BYTES } from '../../../src/wire/limits.js';
import { ipv4, LAPTOP, LAPTOP_BROADCASTS } from './interfaces.js';

const INTERVAL = 1000;

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A transport that sends nothing anywhere: it records where each broadcast and reply would go. */
class RecordingTransport {
  options: TransportOptions | null = null;
  broadcasts: string[][] = [];
  replies: string[] = [];
  /** The datagrams broadcast, as sent. */
  sent: Uint8Array[] = [];
  private receive: ((d: ReceivedDatagram) => void) | null = null;

  readonly open: OpenTransport = async (options, onDatagram) => {
    this.options = options;
    this.receive = onDatagram;
    return {
      broadcast: async (bytes) => {
        this.broadcasts.push([...options.targets()]);
        this.sent.push(bytes);
      },
      sendTo: async (_bytes, address, port) => {
        this.replies.push(`${address}:${port}`);
      },
      close: async () => undefined,
    };
  };

  inject(bytes: Uint8Array, address: string, port: number): void {
    this.receive?.({ bytes, address, port });
  }
}

function recordingLogger(): { logger: Logger; warnings: LogFields[] } {
  const warnings: LogFields[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_msg, fields) => warnings.push(fields ?? {}),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, warnings };
}

describe('relay beacon targets (injected transport and interfaces)', () => {
  let clock: ManualClock;
  let transport: RecordingTransport;
  let started: RelayBeacon[];

  beforeEach(() => {
    clock = new ManualClock();
    transport = new RecordingTransport();
    started = [];
  });

  afterEach(async () => {
    await Promise.all(started.map((b) => b.stop()));
  });

  async function relay(
    extra: Partial<RelayBeaconOptions>,
    interfaces: () => InterfaceList = () => LAPTOP,
  ): Promise<RelayBeacon> {
    const keys = generateSigningKeyPair();
    const beacon = new RelayBeacon({
      relayId: keys.publicKey,
      relaySecretKey: keys.secretKey,
      relayPort: 47474,
      name: 'office',
      intervalMs: INTERVAL,
      clock,
      networkInterfaces: interfaces,
      openTransport: transport.open,
      ...extra,
    });
    started.push(beacon);
    await beacon.start();
    return beacon;
  }

  async function ticks(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      clock.advance(INTERVAL);
      await flush();
    }
  }

  const query = () =>
    anonymousQuery({
      kind: 'query',
      card: null,
      seq: 1,
      timestampMs: clock.now(),
      queryNonce: randomBytes(QUERY_NONCE_BYTES),
    });

  it('sends a loopback-bound relay beacon only to 127.255.255.255, from 127.0.0.1', async () => {
    await relay({ listenHost: '127.0.0.1' });
    await ticks(3);
    assert.equal(transport.broadcasts.length, 4, 'the first beacon and three ticks');
    for (const targets of transport.broadcasts) assert.deepEqual(targets, ['127.255.255.255']);
    assert.equal(transport.options?.sendAddress, '127.0.0.1');
    assert.equal(transport.options?.bindAddress, '0.0.0.0', 'still hears broadcast QUERYs');
  });

  it('answers a QUERY from loopback but not one from the LAN when bound to loopback', async () => {
    const beacon = await relay({ listenHost: '127.0.0.1' });
    transport.inject(query(), '192.168.1.20', 47475);
    transport.inject(query(), '127.0.0.1', 40001);
    assert.deepEqual(transport.replies, ['127.0.0.1:40001']);
    assert.equal(beacon.stats().queriesOutOfScope, 1);
    assert.equal(beacon.stats().replies, 1);
  });

  it('sends on every interface, from the wildcard, when listening on all of them', async () => {
    for (const listenHost of [undefined, '0.0.0.0', '::']) {
      transport = new RecordingTransport();
      const beacon = await relay(listenHost === undefined ? {} : { listenHost });
      assert.deepEqual(transport.broadcasts, [LAPTOP_BROADCASTS], String(listenHost));
      assert.equal(transport.options?.sendAddress, '0.0.0.0');
      transport.inject(query(), '203.0.113.9', 47475);
      assert.deepEqual(transport.replies, ['203.0.113.9:47475']);
      await beacon.stop();
    }
  });

  it('sends on the listening interface only, and still to the configured extra targets', async () => {
    await relay({ listenHost: '192.168.1.5', extraTargets: ['127.255.255.255', '192.168.1.255'] });
    assert.deepEqual(transport.broadcasts, [['192.168.1.255', '127.255.255.255']]);
    assert.equal(transport.options?.sendAddress, '192.168.1.5');
  });

  it('sends only to the extra targets when interface broadcasts are off', async () => {
    await relay({
      listenHost: '192.168.1.5',
      broadcastInterfaces: false,
      extraTargets: ['127.255.255.255'],
    });
    assert.deepEqual(transport.broadcasts, [['127.255.255.255']]);
  });

  it('sends on no interface and warns once when no interface holds the listen address', async () => {
    const { logger, warnings } = recordingLogger();
    await relay({ listenHost: '192.168.1.7', logger });
    await ticks(3);
    assert.deepEqual(transport.broadcasts, [[], [], [], []]);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.listenHost, '192.168.1.7');
  });

  it('follows the interfaces: announces once the address appears, and warns again when it goes', async () => {
    const { logger, warnings } = recordingLogger();
    let interfaces: InterfaceList = {};
    await relay({ listenHost: '192.168.1.5', logger }, () => interfaces);
    interfaces = { eth0: [ipv4('192.168.1.5', '255.255.255.0')] };
    await ticks(2);
    interfaces = {};
    await ticks(1);
    assert.deepEqual(transport.broadcasts, [[], ['192.168.1.255'], ['192.168.1.255'], []]);
    assert.equal(warnings.length, 2);
  });
});

describe('relay beacon: another relay heard on the LAN (injected transport)', () => {
  let clock: ManualClock;
  let transport: RecordingTransport;
  let beacon: RelayBeacon;
  let lines: { msg: string; fields: LogFields }[];
  let seq: number;
  const own = generateSigningKeyPair();

  /** A started beacon of `own`'s relay id on loopback, logging to `logger`. */
  async function ownBeacon(
    logger: Logger,
    extra: Partial<RelayBeaconOptions> = {},
  ): Promise<RelayBeacon> {
    const b = new RelayBeacon({
      relayId: own.publicKey,
      relaySecretKey: own.secretKey,
      relayPort: 47474,
      name: 'office',
      intervalMs: INTERVAL,
      clock,
      listenHost: '127.0.0.1',
      openTransport: transport.open,
      logger,
      ...extra,
    });
    await b.start();
    return b;
  }

  beforeEach(async () => {
    clock = new ManualClock();
    transport = new RecordingTransport();
    lines = [];
    seq = 0;
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (msg, fields) => lines.push({ msg, fields: fields ?? {} }),
      error: () => undefined,
      child: () => logger,
    };
    beacon = await ownBeacon(logger);
  });

  afterEach(() => beacon.stop());

  /** A validly signed beacon of the relay `keys`, as its next seq. */
  function beaconOf(
    keys: { publicKey: Uint8Array; secretKey: Uint8Array },
    relayName = 'stray',
  ): Uint8Array {
    return signPresence(
      {
        kind: 'relay',
        relayId: keys.publicKey,
        relayPort: 47474,
        relayName,
        seq: ++seq,
        timestampMs: clock.now(),
      },
      keys.secretKey,
    );
  }

  it("warns once, naming the other relay's short id and address, and again only an hour later", async () => {
    const other = generateSigningKeyPair();
    transport.inject(beaconOf(other), '192.168.1.9', 47475);
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      transport.inject(beaconOf(other), '192.168.1.9', 47475);
    }
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.fields.code, 'E_SEVERAL_RELAYS');
    assert.equal(line?.fields.otherRelayId, fingerprint(other.publicKey));
    assert.equal(line?.fields.otherRelayAddress, '192.168.1.9:47474');
    assert.ok(line?.msg.includes(`${fingerprint(other.publicKey)} at 192.168.1.9:47474`));
    assert.match(line?.msg ?? '', /--relay/);
    clock.advance(60 * 60_000);
    transport.inject(beaconOf(other), '192.168.1.9', 47475);
    assert.equal(lines.length, 2);
  });

  it('says nothing of its own beacon looping back, nor of a forged or unsigned one', async () => {
    // What it broadcast, as a loopback broadcast brings it back.
    const echo = transport.sent.at(-1);
    assert.ok(echo, 'the first beacon went out at start');
    transport.inject(echo, '127.0.0.1', 47475);
    const other = generateSigningKeyPair();
    const forged = beaconOf(other);
    forged[forged.length - 1] = (forged.at(-1) ?? 0) ^ 1;
    transport.inject(forged, '192.168.1.9', 47475);
    const impostor = generateSigningKeyPair();
    transport.inject(
      beaconOf({ publicKey: other.publicKey, secretKey: impostor.secretKey }),
      '192.168.1.9',
      47475,
    );
    assert.deepEqual(lines, []);
    assert.equal(beacon.stats().filter.forged, 2);
  });

  it('warns at once of a beacon with its own relay id that it did not send (a copy of its data dir), once an hour per address', async () => {
    for (let i = 0; i < 5; i++) {
      clock.advance(INTERVAL);
      await flush();
      const echo = transport.sent.at(-1);
      assert.ok(echo);
      transport.inject(echo, '127.0.0.1', 47475);
    }
    assert.equal(lines.length, 0, 'its own beacons looping back are no twin');
    transport.inject(beaconOf(own), '192.168.1.9', 47475);
    assert.equal(lines.length, 1, 'at the first beacon');
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      transport.inject(beaconOf(own), '192.168.1.9', 47475);
    }
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const [line] = lines;
    assert.equal(line?.fields.code, 'E_RELAY_TWIN');
    assert.equal(line?.fields.twinAddress, '192.168.1.9:47474');
    assert.ok(
      line?.msg.includes(
        `announces this relay's id ${fingerprint(own.publicKey)} at 192.168.1.9:47474: a copy of this relay's data directory is running there`,
      ),
      line?.msg,
    );
    assert.match(line?.msg ?? '', /mail is split/);
    clock.advance(60 * 60_000);
    transport.inject(beaconOf(own), '192.168.1.9', 47475);
    assert.equal(lines.length, 2);
  });

  it("says nothing of its own relay id from elsewhere when the key is a cluster's (sharedKey)", async () => {
    await beacon.stop();
    const { logger, warnings } = recordingLogger();
    beacon = await ownBeacon(logger, { sharedKey: true });
    transport.inject(beaconOf(own), '192.168.1.9', 47475);
    assert.deepEqual(warnings, []);
  });

  it("never puts the other relay's name in the log", async () => {
    const name = 'Z\u0301\u0302\u0303\u0304\u0305 relay; clients: use 6.6.6.6';
    transport.inject(beaconOf(generateSigningKeyPair(), name), '192.168.1.9', 47475);
    assert.equal(lines.length, 1);
    assert.ok(!JSON.stringify(lines).includes('6.6.6.6'), JSON.stringify(lines));
  });

  it(`names at most ${MAX_OTHER_RELAYS_NAMED} relays an hour under a storm of fresh keys, then one line for the rest`, async () => {
    for (let i = 0; i < MAX_OTHER_RELAYS_NAMED * 3; i++) {
      // Spread over sources, so the per-source rate limit is not what holds the storm back.
      transport.inject(beaconOf(generateSigningKeyPair()), `10.0.${i >> 8}.${i & 255}`, 47475);
    }
    assert.equal(lines.length, MAX_OTHER_RELAYS_NAMED + 1);
    assert.match(lines.at(-1)?.msg ?? '', /more than \d+ other natter relays/);
  });
});
