export { TypedEmitter } from '../util/emitter.js';
export {
  Beacon,
  type BeaconEvents,
  type BeaconOptions,
  type BeaconStats,
} from './beacon.js';
export * from './constants.js';
export { ANONYMOUS_SIGNATURE, anonymousQuery, SeqCounter, signPresence } from './datagram.js';
export {
  DatagramFilter,
  DROP_REASONS,
  type DropReason,
  type FilterOptions,
  type FilterResult,
  type FilterStats,
} from './filter.js';
export type { Accepted, LinkOptions, LinkStats } from './link.js';
export {
  RelayBeacon,
  type RelayBeaconOptions,
  type RelayBeaconStats,
  startRelayBeacon,
} from './relay-beacon.js';
export { type RelayPresence, type RelaySighting, RelayTracker, rankSightings } from './relays.js';
export {
  type LeaveReason,
  type PeerPresence,
  type PinLookup,
  type RelayRosterEntry,
  Roster,
  type RosterChange,
  type RosterItem,
  type RosterOptions,
  type RosterSource,
  type RosterStats,
} from './roster.js';
export {
  directedBroadcasts,
  type InterfaceList,
  type ListenScope,
  LOOPBACK_BROADCAST,
  listenScope,
  type Subnet,
  scopeReaches,
} from './targets.js';
export type {
  OpenTransport,
  PresenceTransport,
  ReceivedDatagram,
  TransportOptions,
} from './transport.js';
export { openPresenceSocket } from './udp-socket.js';
