/**
 * The cluster's mail store as a StoreReach (store-reach.ts): down, and offline, as soon
 * as the NATS connection is lost (the library says so at once when the node's socket
 * closes), and back once the mail stream answers again, probed at each reconnect (to
 * another node, normally within milliseconds) and every STORE_PROBE_MS meanwhile (a
 * reconnected node may still be recovering its streams), or a read answers.
 */
import type { Clock } from '../../util/clock.js';
import { StoreReach } from '../store-reach.js';
import { type ClusterLink, MAIL_STREAM } from './connection.js';

export type { StoreReach };

export function watchMailStore(link: ClusterLink, clock: Clock): StoreReach {
  const reach = new StoreReach(() => link.jsm.streams.info(MAIL_STREAM), clock);
  void (async () => {
    for await (const s of link.nc.status()) {
      if (s.type === 'disconnect') {
        reach.offline = true;
        reach.down();
      } else if (s.type === 'reconnect') {
        reach.offline = false;
        reach.check();
      }
    }
  })().catch(() => undefined);
  return reach;
}
