/** A real relay on 127.0.0.1, port 0, in a temp data dir: for integration tests. */
import {
  ONE_HOST_FAIR_SHARES,
  type RelayOptions,
  type RunningRelay,
  startRelay,
} from '../../src/relay/index.js';
import { makeTempDir } from './tmp.js';

export interface TestRelay {
  relay: RunningRelay;
  host: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts a relay; pass `dataDir` to restart one on the same data (and key), `port` to reuse its port.
 * Every client of a test comes from 127.0.0.1, so that address gets the whole relay
 * (ONE_HOST_FAIR_SHARES) unless `limits` says otherwise: tests of the shares set their own.
 */
export async function startTestRelay(
  options: Partial<Omit<RelayOptions, 'host'>> = {},
): Promise<TestRelay> {
  const dataDir = options.dataDir ?? (await makeTempDir('natter-relay-'));
  const relay = await startRelay({
    ...options,
    limits: { ...ONE_HOST_FAIR_SHARES, ...options.limits },
    host: '127.0.0.1',
    port: options.port ?? 0,
    dataDir,
  });
  return {
    relay,
    host: relay.address.host,
    port: relay.address.port,
    dataDir,
    close: () => relay.close(),
  };
}
