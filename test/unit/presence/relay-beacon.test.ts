import assert from 'node:assert/strict';
import { generateSigningKeyPair } from '../../../src/crypto/index.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { anonymousQuery } from '../../../src/presence/datagram.js';
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
  private receive: ((d: ReceivedDatagram) => void) | null = null;

  readonly open: OpenTransport = async (options, onDatagram) => {
    this.options = options;
    this.receive = onDatagram;
    return {
      broadcast: async () => {
        this.broadcasts.push([...options.targets()]);
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
