/**
 * The relay's parts when it is one relay of a cluster on NATS JetStream (issue 15): the
 * link, and the directory, roster, mailbox, groups and file storage that live there.
 * server.ts imports this module only when `cluster` is set, so a standalone relay never
 * loads the NATS client (about 10 MB of its RSS and a tenth of `natter`'s start-up).
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { deliverWithSeq } from '../deliver-record.js';
import type { Hub } from '../hub.js';
import type { RelayKey } from '../identity.js';
import type { RelayLimits } from '../limits.js';
import type { Session } from '../session.js';
import type { RelayStore } from '../store/index.js';
import type { ClusterOptions } from './connection.js';
import { ClusterDirectory } from './directory.js';
import { ClusterFileStorage } from './file-storage.js';
import { ClusterGroups } from './groups.js';
import { joinCluster } from './join.js';
import { ClusterMailbox } from './mailbox.js';
import { ClusterRoster } from './roster.js';
import { clusterRelayKey } from './service-key.js';

export interface ClusterPartsOptions {
  dataDir: string;
  store: RelayStore;
  hub: Hub<Session>;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export async function clusterParts(cluster: ClusterOptions, o: ClusterPartsOptions) {
  const { hub, limits, clock, log } = o;
  const link = await joinCluster(cluster, o.dataDir, o.store, log);
  const directory = new ClusterDirectory(link, log);
  const roster = new ClusterRoster(link, hub, clock, log);
  const mailbox = new ClusterMailbox(link, {
    limits,
    clock,
    log,
    withSeq: deliverWithSeq,
    node: roster.node,
    locate: (userHex) => hub.nodeOf(userHex),
  });
  const isRegistered = (userHex: string) => directory.byUserId(userHex) !== undefined;
  return {
    link,
    directory,
    roster,
    mailbox,
    groups: new ClusterGroups({ link, hub, limits, clock, log, isRegistered }),
    fileStorage: new ClusterFileStorage(link, { limits, clock, log }),
    /** A cluster's key is the one stored there first. */
    relayKey: (own: RelayKey) => clusterRelayKey(link, own),
  };
}
