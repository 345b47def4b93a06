/**
 * The relay's half of groups (issue 11, docs/groups.md "Relay"), as the
 * composition root builds it: the registry of verified states, the durable
 * streams, and the choreography the handlers call.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Hub } from '../hub.js';
import type { RelayLimits } from '../limits.js';
import type { RelayStore } from '../store/index.js';
import { GroupFanout } from './fanout.js';
import { GroupRegistry } from './registry.js';
import { GroupStreams } from './stream.js';

export type { GroupLink, GroupSource } from './delivery.js';
export { GroupDelivery } from './delivery.js';
export type { GroupItemOut } from './stream.js';

export interface RelayGroups {
  readonly registry: GroupRegistry;
  readonly streams: GroupStreams;
  readonly fanout: GroupFanout;
}

export interface RelayGroupsOptions {
  store: RelayStore;
  hub: Hub;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  /** Whether a user id (hex) is registered here: members of a create or add must be. */
  isRegistered: (userHex: string) => boolean;
}

/** Builds the parts; call `streams.open()` before serving and `streams.close()` at shutdown. */
export function createGroups(options: RelayGroupsOptions): RelayGroups {
  const { store, hub, limits, clock, log, isRegistered } = options;
  const registry = new GroupRegistry({ maxGroupsPerUser: limits.maxGroupsPerUser, isRegistered });
  const streams = new GroupStreams(store, registry, { limits, clock, log });
  return { registry, streams, fanout: new GroupFanout(registry, streams, hub) };
}
