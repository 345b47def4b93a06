/**
 * Relays and clients on a loopback LAN of their own (a free UDP port, beacons to
 * 127.255.255.255 only), for the tests of finding a relay (relay-choice, relay-moved): the
 * beforeEach and afterEach it needs are registered here; what a test starts is closed after
 * it, last started first.
 */
import type { PresenceOptions } from '../../../src/peer/index.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort } from '../presence/helpers.js';

export function loopbackLan() {
  let lan: PresenceOptions = {};
  let cleanup: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    const port = await freeUdpPort();
    lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    cleanup = [];
  });
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await removeTempDirs();
  });
  const later = (step: () => Promise<void>) => {
    cleanup.push(step);
  };
  /** A test relay announcing on this LAN; `dataDir` to start one again where it was. */
  const relay = async (dataDir?: string): Promise<TestRelay> => {
    const r = await startTestRelay({
      presence: lan,
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    later(() => r.close());
    return r;
  };
  return { lan: () => lan, later, relay };
}
