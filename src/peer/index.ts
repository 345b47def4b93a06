/**
 * The client core's public surface: what a UI (src/peer/ui, the CLI) may use.
 * Everything else in src/peer is internal to the core.
 */

/** Key file and fingerprints, for the CLI's prompts and output. */
export {
  isIdentitySealed,
  keyFileModeIsPrivate,
  readSignPublicKey,
} from '../crypto/keyfile.js';
export { fingerprint } from '../crypto/keys.js';
/** IPv4 parsing for the presence settings (NATTER_PRESENCE_TARGETS). */
export { parseIPv4 } from '../presence/targets.js';
/** The largest text message, UTF-8 bytes: `natter send` checks all its input before queueing any. */
export { MAX_TEXT_BYTES } from '../wire/limits.js';
/** Names: what may be typed and registered, and how to normalise it (src/wire/text.ts). */
export {
  blindKey,
  lookalikeKey,
  newPseudonymProblem,
  normalizePseudonym,
  pseudonymProblem,
} from '../wire/text.js';
export {
  type BlockedUser,
  type BlockResult,
  INBOX_IDLE_MS,
  type Me,
  NatterClient,
  type OpenOptions,
  type QueuedMessage,
  type TrustResult,
  type UnreadMessage,
} from './client.js';
export type { FileSettingsChange, FileSettingsView } from './client-files.js';
export type { UserFound } from './client-reading.js';
/** Safety numbers as typed: what trust() accepts. */
export { parseSafetyNumber } from './contacts.js';
export {
  type ConversationId,
  type ConversationKind,
  type ConversationRef,
  directConversation,
  groupConversation,
  isConversationId,
  parseConversationId,
  pseudonymKey,
} from './conversations/ids.js';
export { PeerCode } from './errors.js';
export {
  type ConnectionState,
  type ContactInfo,
  type ConversationNotice,
  type DamagedMessage,
  type DamageReason,
  type GroupChanged,
  type GroupInfo,
  type GroupMemberInfo,
  type GroupNotice,
  type GroupUpdate,
  type GroupWarning,
  MESSAGE_DAMAGED_CODE,
  missingCount,
  type OnlinePeer,
  type OutgoingState,
  type PeerEventMap,
  type PeerEventName,
  type PeerRef,
  type PeerStats,
  type PendingKey,
  PRESENCE_STATUSES,
  type PresenceStatus,
  type ReceivedMessage,
  type RefusedMessage,
  type RejectReason,
  type RelayInfo,
} from './events.js';
export {
  type FileEvents,
  type FileReplyInfo,
  type FileTarget,
  type OfferInfo,
  type OfferState,
  TRANSFER_REF_MIN_DIGITS,
  type TransferDirection,
  type TransferInfo,
  type TransferReply,
  type TransferState,
} from './files/api.js';
export { fileLabel } from './files/offer-label.js';
export { groupNameKey, MIN_GROUP_ID_PREFIX_CHARS } from './groups/book.js';
/** A refusal the link gave up on for good (E_RELAY_KEY_CHANGED, E_AUTH_FAILED, ...): retrying cannot help. */
export { isFinal as isFinalRelayRefusal } from './link/handshake.js';
export { relayStoreLine } from './link/store-state.js';
export type { HistoryEntry } from './messaging/history.js';
export type { HistoryDeletion } from './messaging/history-delete.js';
export {
  type GroupEventEntry,
  type HistoryItem,
  isGroupEvent,
  itemTime,
} from './messaging/history-events.js';
export type { HistoryPruned } from './messaging/history-keep.js';
export {
  formatHistoryKeep,
  HISTORY_KEEP_UNITS,
  MAX_HISTORY_KEEP_MS,
  MIN_HISTORY_KEEP_MS,
  prunedWhat,
} from './messaging/history-keep.js';
export type { HistoryPage, PageAt } from './messaging/history-pages.js';
export type { HistorySearch } from './messaging/history-search.js';
export {
  type PermanentRefusal,
  type RelayRefusalCode,
  relayRefusalError,
  type TemporaryRefusal,
} from './messaging/refusals.js';
export type { DiscoveredRelay, PresenceOptions } from './presence/client-presence.js';
export { type KnownName, readKnownNames } from './presence/known-names.js';
export { type ListenerOptions, PresenceListener } from './presence/listener.js';
export { conflictWords } from './presence/online.js';
/** A status text as the client will take it (E_BAD_STATUS otherwise). */
export { checkStatusText } from './presence/options.js';
export {
  checkNewIdentity,
  createIdentity,
  ensureProfileDir,
  type NewIdentityOptions,
  type ProfileConfig,
  type ProfilePaths,
  pinnedRelayId,
  profilePaths,
  readConfig,
  relayFingerprint,
  resolveProfileDir,
  updateConfig,
} from './profile.js';
export {
  DEFAULT_RELAY_PORT,
  formatRelayAddress,
  parseRelayAddress,
  type RelayAddress,
  resolveRelayAddress,
} from './relay-address.js';
