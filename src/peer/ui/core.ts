/**
 * The part of the client core the chat screen uses: NatterClient's API and typed
 * events (STYLE.md §14), and nothing else. A narrow interface so that screen tests
 * can drive the UI with a fake core emitting events.
 */
import type {
  BlockResult,
  ContactInfo,
  ConversationId,
  ConversationNotice,
  DamagedMessage,
  FileReplyInfo,
  FileTarget,
  GroupInfo,
  GroupUpdate,
  HistoryDeletion,
  HistoryEntry,
  HistoryItem,
  HistoryPage,
  HistoryPruned,
  HistorySearch,
  OfferInfo,
  OnlinePeer,
  PageAt,
  PeerEventMap,
  PeerEventName,
  PendingKey,
  PresenceStatus,
  QueuedMessage,
  ReceivedMessage,
  TransferInfo,
  UserFound,
} from '../index.js';

export interface ChatCore {
  readonly me: { pseudonym: string; userId: string; fingerprint: string };
  on<K extends PeerEventName>(name: K, listener: (event: PeerEventMap[K]) => void): () => void;
  connect(options?: { timeoutMs?: number }): Promise<void>;
  /** connect() again after the connection gave up for good (a relay with another key). */
  reconnect(options?: { timeoutMs?: number }): Promise<void>;
  send(to: string, text: string): Promise<string>;
  /** The last `limit` entries of the conversation with `name`, oldest first. */
  conversation(name: string, limit?: number): Promise<HistoryEntry[]>;
  /** The same by conversation id: how the screen reads a group's history. */
  history(conversation: ConversationId, limit?: number): Promise<HistoryEntry[]>;
  /** history() with a group's membership changes in their places: what a group shows. */
  timeline(conversation: ConversationId, limit?: number): Promise<HistoryItem[]>;
  /** A page of a conversation's messages and changes, by cursor (messaging/history-pages.ts). */
  historyPage(conversation: ConversationId, at: PageAt, limit: number): Promise<HistoryPage>;
  /** Messages of a conversation's whole local history that `matches` accepts, newest first. */
  searchHistory(
    conversation: ConversationId,
    matches: (entry: HistoryEntry) => boolean,
    maxHits: number,
  ): Promise<HistorySearch>;
  /** What deleteHistory() would take now (default: every entry kept until now). */
  historyToDelete(
    conversation: ConversationId,
    options?: { beforeMs?: number },
  ): Promise<HistoryDeletion>;
  /** Deletes a conversation's local history (before `beforeMs`); emits 'history:deleted'. */
  deleteHistory(
    conversation: ConversationId,
    options?: { beforeMs?: number },
  ): Promise<HistoryDeletion>;
  /** What keep-history deleted since the last call (said once), or null. */
  takeHistoryPruned(): Promise<HistoryPruned | null>;
  /** Received messages not yet taken (by `natter inbox` or this screen). */
  takeUnread(): Promise<ReceivedMessage[]>;
  /** Reports of deliveries dropped as damaged or forged, not yet shown (each returned once). */
  takeDamaged(): Promise<DamagedMessage[]>;
  /** Gaps and rewound counters in senders' messages, not yet shown (each returned once). */
  takeNotices(): Promise<ConversationNotice[]>;
  /** Membership changes applied or refused, not yet shown (each returned once). */
  takeGroupUpdates(): Promise<GroupUpdate[]>;
  contacts(): ContactInfo[];
  contact(name: string): ContactInfo | undefined;
  /** Whether `name` is someone to write to, asking the relay unless a contact (client-reading.ts). */
  findUser(name: string): Promise<UserFound>;
  /**
   * Asks the relay who holds `name` now, whatever the contact book pins it to (someone new
   * becomes a new contact); 'unreachable' with no relay to ask (client-reading.ts).
   */
  askHolder(name: string): Promise<'found' | 'unknown' | 'unreachable'>;
  /** Own fingerprint, or the safety number shared with `name`. */
  fingerprint(name?: string): string;
  /**
   * Accepts the key whose safety number the user compared (or marks the pinned key
   * verified); E_SAFETY_NUMBER_MISMATCH when it is no longer such a key's number.
   */
  trust(
    name: string,
    compared: { safetyNumber: string },
  ): Promise<{ contact: ContactInfo; accepted: boolean; discarded: PendingKey[] }>;
  /** Blocks or unblocks the key of contact `name` (client-blocks.ts); `changed` false: so already. */
  block(name: string): Promise<BlockResult>;
  unblock(name: string): Promise<BlockResult>;
  /** Who is online now (presence, issue 3); [] when presence is off. */
  online(): OnlinePeer[];
  /** Announces the user's own status (presence, issue 3). */
  setStatus(status: PresenceStatus, text?: string, options?: { chosen?: boolean }): Promise<void>;
  // Groups (issue 11). A group ref is a name, '#name', the conversation id or an id prefix;
  // the screen passes conversation ids. Changes resolve once the relay applied them.
  groups(): Promise<GroupInfo[]>;
  createGroup(name: string, members: string[]): Promise<GroupInfo>;
  addToGroup(group: string, member: string): Promise<GroupInfo>;
  removeFromGroup(group: string, member: string): Promise<GroupInfo>;
  promoteInGroup(group: string, member: string): Promise<GroupInfo>;
  demoteInGroup(group: string, member: string): Promise<GroupInfo>;
  renameGroup(group: string, newName: string): Promise<GroupInfo>;
  leaveGroup(group: string): Promise<void>;
  sendToGroup(
    group: string,
    text: string,
  ): Promise<{ msgId: string; conversation: ConversationId }>;
  // Files (issue 12). A ref is a unique hex prefix of a transfer id (at least 4 digits).
  /** Offers `paths` (files or folders) and starts the upload; resolves once the offer is out. */
  sendFile(target: FileTarget, paths: string[]): Promise<TransferInfo>;
  /** Offers made to the user, as the profile keeps them. */
  fileOffers(): OfferInfo[];
  /** Starts downloading an offer (into `dir`, else the download folder). */
  acceptFile(ref: string, options?: { dir?: string }): Promise<TransferInfo>;
  declineFile(ref: string): Promise<void>;
  /** Takes back a send of mine: stops its upload, or has the relay delete it; recipients told. */
  cancelTransfer(ref: string): Promise<void>;
  /** Uploads and downloads in progress or waiting to resume. */
  transfers(): TransferInfo[];
  /** Answers to my uploads no UI took yet, each once (shown at start; a shown event takes its own). */
  takeFileReplies(): Promise<FileReplyInfo[]>;
  /** My messages the relay has not stored yet (queued, or held for a key change). */
  queued(): QueuedMessage[];
  /** Goodbye to the relay and BYE on the LAN, then close. */
  logout(): Promise<void>;
}
