/**
 * The client core's public surface: what a UI (src/peer/ui, the CLI) may use.
 * Everything else in src/peer is internal to the core.
 */
export { INBOX_IDLE_MS, type Me, NatterClient, type OpenOptions } from './client.js';
export {
  type ConnectionState,
  type ContactInfo,
  type DamagedMessage,
  type DamageReason,
  MESSAGE_DAMAGED_CODE,
  type OnlinePeer,
  type OutgoingState,
  type PeerEventMap,
  type PeerEventName,
  type PeerRef,
  type PeerStats,
  type PresenceStatus,
  type ReceivedMessage,
  type RefusedMessage,
  type RejectReason,
  type RelayInfo,
} from './events.js';
export type { HistoryEntry } from './history.js';
export { type ListenerOptions, PresenceListener } from './listener.js';
export type { DiscoveredRelay, PresenceOptions } from './presence.js';
export {
  DEFAULT_RELAY_PORT,
  formatRelayAddress,
  parseRelayAddress,
  type RelayAddress,
  resolveProfileDir,
} from './profile.js';
export {
  type PermanentRefusal,
  type RelayRefusalCode,
  relayRefusalError,
  type TemporaryRefusal,
} from './refusals.js';
