/**
 * Relays of one cluster on a throwaway nats-server, as the cluster integration
 * tests start them (test/integration/cluster): each relay in its own data
 * directory on a free port, users logged in with RawClient, everything closed
 * after each test.
 */
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import {
  ONE_HOST_FAIR_SHARES,
  type RelayLimits,
  type RelayOptions,
  type RunningRelay,
  startRelay,
} from '../../src/relay/index.js';
import { createLogger } from '../../src/util/logger.js';
import type { FrameOf } from '../../src/wire/types.js';
import { type NatsNode, startNats } from './nats.js';
import { RawClient } from './raw-client.js';
import { makeTempDir } from './tmp.js';

export interface ClusterUser {
  id: Identity;
  name: string;
  client: RawClient;
  ready: FrameOf<'ready'>;
}

export class TestCluster {
  nats!: NatsNode;
  readonly relays: RunningRelay[] = [];
  readonly clients: RawClient[] = [];
  readonly dataDirs = new Map<RunningRelay, string>();

  /** A new nats-server for the test (beforeEach). */
  async start(): Promise<void> {
    this.nats = await startNats();
  }

  /** `more`: further options (presence, a logger). */
  async relay(
    limits: Partial<RelayLimits> = {},
    more: Pick<RelayOptions, 'presence' | 'logger'> = {},
  ): Promise<RunningRelay> {
    const dataDir = await makeTempDir('natter-cluster-relay-');
    const r = await startRelay({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      cluster: { servers: [this.nats.url] },
      // Every client comes from 127.0.0.1 (test/helpers/relay.ts).
      limits: { ...ONE_HOST_FAIR_SHARES, ...limits },
      ...(process.env.NATTER_TEST_LOG
        ? { logger: createLogger({ base: { relay: this.relays.length } }) }
        : {}),
      ...more,
    });
    this.relays.push(r);
    this.dataDirs.set(r, dataDir);
    return r;
  }

  /** `name` registered (or logged in) on relay `on`, announcing Hello.features `features`. */
  async user(
    on: RunningRelay,
    name: string,
    mode: 'register' | 'login' = 'register',
    id = generateIdentity(),
    features = 0,
  ): Promise<ClusterUser> {
    const { client, ready } = await RawClient.login(on.address.port, id, name, mode, {
      features,
    });
    this.clients.push(client);
    return { id, name, client, ready };
  }

  /** Closes every client and relay, and the nats-server (afterEach). */
  async stop(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    for (const r of this.relays.splice(0)) await r.close();
    this.dataDirs.clear();
    await this.nats.stop();
  }
}
