/**
 * The typed event map of the client core: the only contract between the core
 * and any UI (DESIGN.md §1, STYLE.md §14). Names are `noun:verb`. Payloads are
 * plain data (ids as lowercase hex) so a UI never needs the wire or crypto types.
 */

import { TypedEmitter } from '../util/emitter.js';
import { STATUSES } from '../wire/types.js';
import type { ConversationId } from './conversations/ids.js';
import type { FileEvents } from './files/api.js';
import type { GroupChanged, GroupWarning } from './group-events.js';
import type { HistoryDeletion } from './messaging/history-delete.js';
import type { HistoryPruned } from './messaging/history-keep.js';
import type {
  ConversationNotice,
  DamagedMessage,
  RefusedMessage,
  RejectReason,
} from './report-events.js';

export type {
  GroupChanged,
  GroupInfo,
  GroupMemberInfo,
  GroupNotice,
  GroupUpdate,
  GroupWarning,
} from './group-events.js';
export {
  type ConversationNotice,
  type DamagedMessage,
  type DamageReason,
  MESSAGE_DAMAGED_CODE,
  missingCount,
  type RefusedMessage,
  type RejectReason,
} from './report-events.js';

export type ConnectionState = 'connecting' | 'ready' | 'offline' | 'closed';

export interface RelayInfo {
  /** 'host:port' as dialled. */
  address: string;
  /** Relay id (its Ed25519 public key), hex. */
  relayId: string;
  relayName: string;
}

/** Who a message came from, as authenticated by the sealed envelope (never the relay's word). */
export interface PeerRef {
  pseudonym: string;
  /** Hex. */
  userId: string;
  fingerprint: string;
}

export interface ReceivedMessage {
  /** The conversation it belongs to (conversations/ids.ts). */
  conversation: ConversationId;
  from: PeerRef;
  text: string;
  /** The sender's clock: shown, never trusted for ordering across peers. */
  sentAtMs: number;
  /** Our clock, when the message became durable locally. */
  receivedAtMs: number;
  /** Hex, 16 bytes. */
  msgId: string;
  /** A group message (conversation '#…'): the group's name as it is now. */
  group?: { name: string };
}

/**
 * Life of an outgoing message: queued (in the outbox) → stored (the relay has it
 * durably) → delivered (the recipient's receipt came back). `held`: the recipient's
 * key changed and the message waits for trust(); `failed`: the relay refused it for good.
 */
export type OutgoingState = 'queued' | 'held' | 'stored' | 'delivered' | 'failed';

/** A changed key of a contact, waiting for trust() (each one announced by 'contact:key-changed'). */
export interface PendingKey {
  /** Hex. */
  userId: string;
  fingerprint: string;
  /** What the user compares for this key, and what trust() must be given to accept it. */
  safetyNumber: string;
  /** Our clock, when its card was first seen. */
  seenAtMs: number;
}

export interface ContactInfo {
  pseudonym: string;
  userId: string;
  fingerprint: string;
  verified: boolean;
  /** A changed key waits for trust(): messages to and from this contact are held. */
  keyChanged: boolean;
  /**
   * Every changed key waiting, oldest first (empty unless keyChanged). More than one:
   * another card came while one was pending; trust() accepts only the one whose safety
   * number it is given.
   */
  pendingKeys: PendingKey[];
  /**
   * An old name of a contact who renamed themselves: still pinned to their keys (what is
   * written to it goes to them, under this name), listed so a key change under it is seen.
   */
  renamedTo?: string;
  /** Their key is blocked (blocks.ts): set by contacts() and contact(), and 'contact:blocked'. */
  blocked?: boolean;
  /** The relay confirmed the rename: this old name pins no key; someone new may take it. */
  nameLeft?: true;
}

/** Counters since the client was opened. */
export interface PeerStats {
  /** Deliveries dropped as damaged or forged (each one a 'message:damaged'). */
  damagedMessages: number;
  /** Deliveries of a message already accepted (at-least-once redelivery), dropped quietly. */
  duplicateDeliveries: number;
  /** SendAck refusals for now, receipts included (a text message's is a 'message:refused'). */
  refusedSends: number;
  /** Statuses in the relay's roster dropped: the user's signature did not verify (or was missing). */
  forgedStatuses: number;
  /** Statuses in the relay's roster dropped: older than one the user had signed since (a replay). */
  staleStatuses: number;
}

/** A user's presence status (DESIGN.md §5). */
export type PresenceStatus = 'online' | 'away' | 'busy';

/** Every status, in the wire's order: the one list a UI or CLI offers. */
export const PRESENCE_STATUSES: readonly PresenceStatus[] = STATUSES;

/**
 * Someone online right now, merged from LAN heartbeats and the relay's roster
 * (DESIGN.md §5). Text fields are peer-supplied: sanitise before display.
 */
export interface OnlinePeer {
  pseudonym: string;
  /** Hex. */
  userId: string;
  fingerprint: string;
  status: PresenceStatus;
  statusText: string;
  /** Where we know it from: signed LAN heartbeats, the relay's roster, or both. */
  source: 'lan' | 'relay' | 'both';
  /** The LAN datagram's source address, for display only (never trusted). */
  address?: string;
  /** True when this is a contact whose pinned key differs (see contact:key-changed). */
  keyChanged: boolean;
  /** True when the contact has been verified by safety number. */
  verified: boolean;
}

/** Every event of the core; the file events (issue 12) are in files/api.ts. */
export interface PeerEventMap extends FileEvents {
  /** The online list changed: someone appeared, changed status, or left. */
  'roster:change': { type: 'join' | 'update' | 'leave'; peer: OnlinePeer; reason?: string };
  /**
   * A heartbeat, or the relay's roster (`via: 'relay'`: the relay lists the name under
   * another key), claimed a pseudonym pinned to a different key: shown as a conflict,
   * never as that user. `via` is absent for a LAN claim (and from an older natter).
   */
  'roster:conflict': {
    pseudonym: string;
    claimedFingerprint: string;
    pinnedFingerprint: string;
    via?: 'relay';
  };
  /**
   * Our own status changed, by this process or through the control socket
   * (`natter status` from another terminal): a UI shows it.
   */
  'presence:self': { status: PresenceStatus; statusText: string };
  /** A relay beacon was seen on the LAN (zero-configuration discovery). */
  'relay:discovered': { address: string; relayId: string; name: string };
  'connection:state': { state: ConnectionState; relay?: RelayInfo };
  /**
   * The relay cannot reach its mail store (a cluster's NATS is down; `code`
   * E_STORE_UNAVAILABLE): what waits there is unknown and arrives once it is back, said
   * by `reachable: true` (link/store-state.ts). Nothing is lost meanwhile.
   */
  'relay:store': { reachable: true } | { reachable: false; code: string };
  /**
   * One attempt to reach the relay failed (the link tries again after a backoff), for a
   * progress line: `code` E_RELAY_UNREACHABLE or E_RELAY_TLS_FAILED, ...; `errno` the
   * system's (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) when there is one; `reason` in words.
   */
  'connection:failed': { address: string; code: string; errno?: string; reason: string };
  'message:received': ReceivedMessage;
  /**
   * A message of mine was queued, by this process's UI or by anyone else steering the
   * same client (a script through the control socket): a UI shows it. `to` is the
   * recipient's name as given, for a 1:1 message.
   */
  'message:queued': { conversation: ConversationId; msgId: string; to?: string };
  'message:status': {
    msgId: string;
    conversation: ConversationId;
    state: OutgoingState;
    reason?: string;
  };
  /** Every dropped delivery, duplicates included: for logs and tests; users see 'message:damaged'. */
  'message:rejected': { msgId: string; reason: RejectReason };
  /**
   * A delivery arrived damaged or forged and was dropped: the user must be told.
   * Emitted once the report is durable (takeDamaged() returns it until some UI
   * takes it) and the delivery acknowledged.
   */
  'message:damaged': DamagedMessage;
  /** The relay refused a message for now; it stays queued and is retried. */
  'message:refused': RefusedMessage;
  /**
   * A gap or a rewind in a sender's numbering, for a note in the conversation.
   * Emitted once the notice is durable (takeNotices() returns it until some UI
   * takes it) and the delivery that showed it acknowledged.
   */
  'conversation:notice': ConversationNotice;
  /** A message from a contact whose key changed: kept, not shown, until trust(). */
  'message:held': { conversation: ConversationId; msgId: string; from: PeerRef };
  /** Messages from a changed key waited for trust() and are now released. */
  'message:released': { conversation: ConversationId; count: number };
  /**
   * A conversation's local history lost its entries kept before `beforeMs` (deleteHistory(),
   * by this process's UI or through the control socket): a UI reads it again.
   */
  'history:deleted': { conversation: ConversationId } & HistoryDeletion;
  /**
   * A contact left the name `from` is the conversation with (the relay confirmed their
   * rename): its `messages` now are in `to`'s, where they are (messaging/history-move.ts).
   */
  'history:moved': { from: ConversationId; to: ConversationId; messages: number };
  /** keep-history deleted entries (a pass's sum): a UI takes them once (takeHistoryPruned()). */
  'history:pruned': HistoryPruned;
  'contact:new': ContactInfo;
  /**
   * A card with a new key for a contact, kept as pending: emitted for every such card,
   * including each one that comes while others are pending (none replaces another).
   */
  'contact:key-changed': {
    pseudonym: string;
    oldFingerprint: string;
    newFingerprint: string;
    /** The new key's user id, hex. */
    newUserId: string;
    /** The safety number of the new key: trust() takes it. */
    safetyNumber: string;
    /** How many changed keys now wait for trust(), this one included. */
    pendingKeys: number;
  };
  'contact:trusted': ContactInfo;
  /** A contact's key was blocked or unblocked (`blocked` says which), here or through the control socket. */
  'contact:blocked': ContactInfo;
  /**
   * A contact renamed themselves (their own key, signed over the new name): the pin and its
   * verification moved from `from` to `to`; the conversation under the old name is kept.
   */
  'contact:renamed': { from: string; to: string; contact: ContactInfo };
  /**
   * A membership change applied (from the relay's stream, mine included): `group` is
   * the group after it. Every member's client checked its signature and chain.
   */
  'group:changed': GroupChanged;
  /**
   * A membership change that did not verify (forged, unsigned, not by an admin, off
   * the chain): refused, not applied. `code` is the check that failed (E_GROUP_...).
   */
  'group:warning': GroupWarning;
  /**
   * Something the user should know. `fatal`: the connection gave up for good (a
   * refused login, a changed relay key) and will not reconnect by itself.
   */
  error: { code: string; message: string; fatal: boolean };
}

export type PeerEventName = keyof PeerEventMap;
export type Listener<K extends PeerEventName> = (event: PeerEventMap[K]) => void;

/**
 * The core's emitter (util/emitter.ts). Not node:events: an 'error' event there
 * throws when nobody listens, and a core must not crash its host because no UI
 * subscribed. A listener that throws is isolated from the others and from the
 * emitter; its error is rethrown on its own, so a UI's bug is not swallowed.
 */
export class PeerEvents extends TypedEmitter<PeerEventMap> {
  override emit<K extends PeerEventName>(name: K, event: PeerEventMap[K]): void {
    super.emit(name, event);
  }

  protected override listenerFailed(_event: string, err: unknown): void {
    queueMicrotask(() => {
      throw err;
    });
  }
}
