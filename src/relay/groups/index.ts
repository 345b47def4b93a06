/**
 * The relay's half of groups (issue 11, docs/groups.md "Relay"), as the
 * composition root builds it: the registry of verified states, the durable
 * streams, and the choreography the handlers call.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { FrameOf, GroupChange } from '../../wire/types.js';
import type { Hub } from '../hub.js';
import type { RelayLimits } from '../limits.js';
import type { RelayStore } from '../store/index.js';
import type { GroupSource } from './delivery.js';
import { GroupFanout, type GroupSender } from './fanout.js';
import { GroupRegistry } from './registry.js';
import { GroupStreams } from './stream.js';

export type { GroupLink, GroupSource } from './delivery.js';
export { GroupDelivery } from './delivery.js';
export type { GroupSender } from './fanout.js';
export type { GroupItemOut } from './stream.js';

/**
 * Where the groups' items and cursors are kept, as sessions, handlers and the
 * server use it: one relay's LevelDB (stream.ts GroupStreams) or a cluster's
 * JetStream stream (cluster/groups.ts).
 */
export interface GroupStore extends GroupSource {
  /** Reads every group back; once, before use. */
  open(): Promise<void>;
  /** Writes what is pending and stops accepting items. Idempotent. */
  close(): Promise<void>;
  /** Items held by all groups. */
  readonly heldItems: number;
  /** A cumulative ack from `userHex`. */
  ack(gidHex: string, userHex: string, throughGseq: number): void;
  /** A page of the log of `gidHex` from change `fromSeq` on. */
  readLog(
    gidHex: string,
    fromSeq: number,
    limit: number,
  ): Promise<{ changes: GroupChange[]; more: boolean }>;
  /** Drops items older than the mail TTL; returns how many. */
  sweep(): number;
}

/** The choreography the group handlers call (fanout.ts, or cluster/groups.ts). */
export interface GroupChoreography {
  change(sender: GroupSender, requestId: number, change: GroupChange): void;
  send(sender: GroupSender, frame: FrameOf<'group-send'>): void;
}

export interface RelayGroups {
  readonly registry: GroupRegistry;
  readonly streams: GroupStore;
  readonly fanout: GroupChoreography;
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
  const { maxGroupsPerUser, maxGroupsAddedByOne } = limits;
  const registry = new GroupRegistry({ maxGroupsPerUser, maxGroupsAddedByOne, isRegistered });
  const streams = new GroupStreams(store, registry, { limits, clock, log });
  return { registry, streams, fanout: new GroupFanout(registry, streams, hub) };
}
