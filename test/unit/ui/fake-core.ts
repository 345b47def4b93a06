/**
 * A fake client core for screen tests: the ChatCore API over in-memory history,
 * driven by the test through emit(). Records what the UI asked of it.
 */
import {
  type ContactInfo,
  type ConversationNotice,
  type DamagedMessage,
  type DamageReason,
  type OnlinePeer,
  type PeerEventMap,
  PeerEvents,
  type PendingKey,
  type PresenceStatus,
  type ReceivedMessage,
} from '../../../src/peer/events.js';
import type {
  BlockResult,
  ConversationId,
  FileReplyInfo,
  FileTarget,
  GroupEventEntry,
  GroupInfo,
  GroupUpdate,
  HistoryDeletion,
  HistoryEntry,
  HistoryItem,
  HistoryPage,
  HistoryPruned,
  HistorySearch,
  OfferInfo,
  PageAt,
  QueuedMessage,
  TransferInfo,
} from '../../../src/peer/index.js';
import { entryTime } from '../../../src/peer/ui/conversation.js';
import type { ChatCore } from '../../../src/peer/ui/core.js';
import { conversationIdOf, nameKey } from '../../../src/peer/ui/text.js';
import { NatterError } from '../../../src/util/errors.js';
import { FakeFiles } from './fake-files.js';
import { FakeGroups } from './fake-groups.js';

export const peer = (name: string, over: Partial<OnlinePeer> = {}): OnlinePeer => ({
  pseudonym: name,
  userId: `id-${name}`,
  fingerprint: 'abcd-efgh-ijkl-mnop',
  status: 'online',
  statusText: '',
  source: 'lan',
  keyChanged: false,
  verified: false,
  ...over,
});

export const contact = (name: string, over: Partial<ContactInfo> = {}): ContactInfo => ({
  pseudonym: name,
  userId: `id-${name}`,
  fingerprint: 'abcd-efgh-ijkl-mnop',
  verified: false,
  keyChanged: false,
  pendingKeys: [],
  ...over,
});

/** The safety number the fake core shares with every contact's pinned key. */
export const PINNED_SAFETY_NUMBER =
  '12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 12345 67890';

/** A changed key of a contact, for `contact(name, { keyChanged: true, pendingKeys: [...] })`. */
export const pendingKey = (digit: string, over: Partial<PendingKey> = {}): PendingKey => ({
  userId: `id-${digit}`,
  fingerprint: `${digit}${digit}${digit}${digit}-new0-key0-${digit}${digit}${digit}${digit}`,
  safetyNumber: Array.from({ length: 12 }, () => digit.repeat(5)).join(' '),
  seenAtMs: Date.UTC(2025, 2, 4, 11, 0, 0),
  ...over,
});

export class FakeCore implements ChatCore {
  readonly events = new PeerEvents();
  readonly me = { pseudonym: 'alice', userId: 'id-alice', fingerprint: 'aaaa-bbbb-cccc-dddd' };
  /** Every conversation's entries, by conversation id, as the store keeps them. */
  readonly stored = new Map<string, HistoryEntry[]>();
  readonly sent: { to: string; text: string }[] = [];
  readonly statuses: { status: PresenceStatus; text: string | undefined; automatic?: true }[] = [];
  /** Every trust() asked for, with the safety number it was given. */
  readonly trusted: { name: string; safetyNumber: string }[] = [];
  /** Keys blocked through /block, by name as asked. */
  readonly blockedNames = new Set<string>();
  /** Names whose history the UI read, one per read (conversation()). */
  readonly reads: string[] = [];
  onlineNow: OnlinePeer[] = [];
  contactList: ContactInfo[] = [];
  unread: ReceivedMessage[] = [];
  /** Reports of damaged deliveries not yet taken, as the core keeps them. */
  damagedReports: DamagedMessage[] = [];
  loggedOut = false;
  connects = 0;
  private seq = 0;
  now = Date.UTC(2025, 2, 4, 12, 0, 0);
  readonly groupBook = new FakeGroups(this);
  readonly files = new FakeFiles(this);

  on<K extends keyof PeerEventMap>(name: K, listener: (e: PeerEventMap[K]) => void): () => void {
    if (name === 'message:received') this.screenOpen = true;
    return this.events.on(name, listener);
  }

  /**
   * A screen listens: what arrives now is unread until it takes it. Before (a test's setup),
   * messages are history a last session took already.
   */
  screenOpen = false;

  emit<K extends keyof PeerEventMap>(name: K, event: PeerEventMap[K]): void {
    // As the core does: a membership change (or a refused one) is kept until a UI takes it, then announced.
    if (name === 'group:changed') {
      this.groupUpdates.push({ type: 'changed', ...(event as PeerEventMap['group:changed']) });
    } else if (name === 'group:warning') {
      this.groupUpdates.push({
        type: 'warning',
        atMs: this.now,
        ...(event as PeerEventMap['group:warning']),
      });
    }
    this.events.emit(name, event);
  }

  /** Membership changes announced and not yet taken. */
  groupUpdates: GroupUpdate[] = [];

  async takeGroupUpdates(): Promise<GroupUpdate[]> {
    return this.groupUpdates.splice(0);
  }

  /** A message from `from` lands in history and is announced, as the core does. */
  receive(from: string, text: string): ReceivedMessage {
    const at = this.now + ++this.seq * 1_000;
    const m: ReceivedMessage = {
      conversation: conversationIdOf(from),
      from: { pseudonym: from, userId: `id-${from}`, fingerprint: 'abcd-efgh-ijkl-mnop' },
      text,
      sentAtMs: at,
      receivedAtMs: at,
      msgId: `m${this.seq}`,
    };
    this.entries(m.conversation).push({
      conversation: m.conversation,
      direction: 'in',
      msgId: m.msgId,
      peer: { pseudonym: from, userId: m.from.userId },
      text,
      sentAtMs: at,
      receivedAtMs: at,
    });
    // As the core: unread (takeUnread) once durable, then announced.
    if (this.screenOpen) this.unread.push(m);
    this.emit('message:received', m);
    return m;
  }

  /** A delivery claimed to be from `from` is dropped as damaged: recorded, then announced, as the core does. */
  damage(from: string, reason: DamageReason = 'open-failed'): DamagedMessage {
    const d: DamagedMessage = {
      code: 'E_MESSAGE_DAMAGED',
      reason,
      claimedFrom: { pseudonym: from, userId: `id-${from}`, fingerprint: 'abcd-efgh-ijkl-mnop' },
      conversation: conversationIdOf(from),
      msgId: `d${++this.seq}`,
      seq: this.seq,
      receivedAtMs: this.now + this.seq * 1_000,
    };
    this.damagedReports.push(d);
    this.emit('message:damaged', d);
    return d;
  }

  async connect(): Promise<void> {
    this.connects++;
    this.emit('connection:state', {
      state: 'ready',
      relay: { address: '127.0.0.1:4747', relayId: 'ff', relayName: 'test relay' },
    });
  }

  /** While set, reconnect() meets a relay with another key, as the core reports it. */
  relayRefusal: { code: string; message: string } | null = null;
  reconnects = 0;

  async reconnect(): Promise<void> {
    this.reconnects++;
    const refusal = this.relayRefusal;
    if (refusal === null) return this.connect();
    this.emit('connection:state', { state: 'closed' });
    this.emit('error', { ...refusal, fatal: true });
    throw new NatterError(refusal.code, refusal.message);
  }

  async send(to: string, text: string): Promise<string> {
    this.sent.push({ to, text });
    const msgId = `out${++this.seq}`;
    const conversation = conversationIdOf(to);
    this.entries(conversation).push({
      conversation,
      direction: 'out',
      msgId,
      peer: { pseudonym: to, userId: '' },
      text,
      sentAtMs: this.now + this.seq * 1_000,
      state: 'queued',
    });
    // As the core does, whoever sent it (this screen, or a script through the control socket).
    this.emit('message:queued', { conversation, msgId, to });
    return msgId;
  }

  /** Moves an outgoing message on, as receipts and acks do. */
  setState(msgId: string, state: HistoryEntry['state'] & string): void {
    for (const list of this.stored.values()) {
      const e = list.find((x) => x.msgId === msgId);
      if (e) {
        e.state = state;
        this.emit('message:status', { msgId, conversation: e.conversation, state });
      }
    }
  }

  /** Copies, as a store reads them: the UI cannot see later changes through shared objects. */
  async conversation(name: string, limit = 100): Promise<HistoryEntry[]> {
    this.reads.push(name);
    return structuredClone(this.entries(conversationIdOf(name)).slice(-limit));
  }

  async history(conversation: ConversationId, limit = 100): Promise<HistoryEntry[]> {
    this.reads.push(conversation);
    return structuredClone(this.entries(conversation).slice(-limit));
  }

  /** Conversations /search scanned, one per scan (searchHistory()). */
  readonly searched: string[] = [];

  async searchHistory(
    conversation: ConversationId,
    matches: (entry: HistoryEntry) => boolean,
    maxHits: number,
  ): Promise<HistorySearch> {
    this.searched.push(conversation);
    const all = structuredClone(this.entries(conversation)).reverse();
    const hits: HistoryEntry[] = [];
    let scanned = 0;
    for (const e of all) {
      if (hits.length >= maxHits) break;
      scanned++;
      if (matches(e)) hits.push(e);
    }
    return { hits, scanned };
  }

  /** Every deleteHistory() asked for. */
  readonly deletions: { conversation: string; beforeMs: number }[] = [];

  async historyToDelete(
    conversation: ConversationId,
    options: { beforeMs?: number } = {},
  ): Promise<HistoryDeletion> {
    // Every entry: the fake stamps what arrives after its `now`.
    const beforeMs = options.beforeMs ?? Number.MAX_SAFE_INTEGER;
    const old = (e: HistoryItem) => entryTime(e) < beforeMs;
    const messages = this.entries(conversation).filter(old).length;
    const events = (this.keptChanges.get(conversation) ?? []).filter(old).length;
    return { messages, events, kept: 0, beforeMs };
  }

  /** As the core does: the entries before then go, and 'history:deleted' says so. */
  async deleteHistory(
    conversation: ConversationId,
    options: { beforeMs?: number } = {},
  ): Promise<HistoryDeletion> {
    const done = await this.historyToDelete(conversation, options);
    this.deletions.push({ conversation, beforeMs: done.beforeMs });
    const young = (e: HistoryItem) => entryTime(e) >= done.beforeMs;
    this.stored.set(conversation, this.entries(conversation).filter(young));
    const changes = this.keptChanges.get(conversation);
    if (changes !== undefined) this.keptChanges.set(conversation, changes.filter(young));
    this.emit('history:deleted', { conversation, ...done });
    return done;
  }

  /** Group changes kept in history, by conversation id, as the core keeps them (change()). */
  readonly keptChanges = new Map<string, GroupEventEntry[]>();

  async timeline(conversation: ConversationId, limit = 100): Promise<HistoryItem[]> {
    this.reads.push(conversation);
    const items: HistoryItem[] = [
      ...this.entries(conversation),
      ...(this.keptChanges.get(conversation) ?? []),
    ];
    items.sort((a, b) => entryTime(a) - entryTime(b));
    return structuredClone(items.slice(-limit));
  }

  /**
   * As the core pages (messaging/history-pages.ts): the conversation's messages and kept
   * changes in time order, a cursor being an item's place in that order. Counted in
   * `reads` as conversation() and timeline() are (a 1:1 chat by its name).
   */
  async historyPage(conversation: ConversationId, at: PageAt, limit: number): Promise<HistoryPage> {
    this.reads.push(conversation.startsWith('@') ? conversation.slice(1) : conversation);
    this.pageReads.push(at);
    const items: HistoryItem[] = [
      ...this.entries(conversation),
      ...(this.keptChanges.get(conversation) ?? []),
    ];
    items.sort((a, b) => entryTime(a) - entryTime(b));
    const cursor = (i: number) => String(i).padStart(10, '0');
    let from = Math.max(0, items.length - limit);
    if ('before' in at) from = Math.max(0, Number(at.before) - limit);
    if ('after' in at) from = Number(at.after) + 1;
    if ('around' in at) {
      const hit = items.findIndex((e) => !('kind' in e) && e.msgId === at.around.msgId);
      if (hit !== -1)
        from = Math.max(0, Math.min(hit - Math.floor(limit / 2), items.length - limit));
    }
    const to = 'before' in at ? Number(at.before) : Math.min(items.length, from + limit);
    const page = items.slice(from, to);
    this.pageItems += page.length;
    return {
      items: structuredClone(page),
      cursors: page.map((_, i) => cursor(from + i)),
      older: from > 0,
      newer: to < items.length,
    };
  }

  /** Where each historyPage() read, in order; and how many items all of them returned. */
  readonly pageReads: PageAt[] = [];
  pageItems = 0;

  async groups(): Promise<GroupInfo[]> {
    return [...this.groupBook.byId.values()];
  }

  async createGroup(name: string, members: string[]): Promise<GroupInfo> {
    return this.groupBook.create(name, members);
  }

  async addToGroup(group: string, name: string): Promise<GroupInfo> {
    return this.groupBook.add(group, name);
  }

  async removeFromGroup(group: string, name: string): Promise<GroupInfo> {
    return this.groupBook.remove(group, name);
  }

  async promoteInGroup(group: string, name: string): Promise<GroupInfo> {
    return this.groupBook.role(group, name, 'promote');
  }

  async demoteInGroup(group: string, name: string): Promise<GroupInfo> {
    return this.groupBook.role(group, name, 'demote');
  }

  async renameGroup(group: string, name: string): Promise<GroupInfo> {
    return this.groupBook.rename(group, name);
  }

  async leaveGroup(group: string): Promise<void> {
    this.groupBook.leave(group);
  }

  async sendToGroup(
    group: string,
    text: string,
  ): Promise<{ msgId: string; conversation: ConversationId }> {
    const { conversation } = this.groupBook.resolve(group);
    this.sent.push({ to: conversation, text });
    const msgId = `out${++this.seq}`;
    this.entries(conversation).push({
      conversation,
      direction: 'out',
      msgId,
      peer: { pseudonym: '', userId: '' },
      text,
      sentAtMs: this.now + this.seq * 1_000,
      state: 'queued',
    });
    return { msgId, conversation };
  }

  async takeUnread(): Promise<ReceivedMessage[]> {
    return this.unread.splice(0);
  }

  async takeDamaged(): Promise<DamagedMessage[]> {
    return this.damagedReports.splice(0);
  }

  /** What keep-history took, as a test sets it; taken once, as the core hands it out. */
  pruned: HistoryPruned | null = null;

  async takeHistoryPruned(): Promise<HistoryPruned | null> {
    const taken = this.pruned;
    this.pruned = null;
    return taken;
  }

  /** Notices the test queued; taken once, as the core hands them out. */
  notices: ConversationNotice[] = [];

  async takeNotices(): Promise<ConversationNotice[]> {
    return this.notices.splice(0);
  }

  contacts(): ContactInfo[] {
    return this.contactList;
  }

  contact(name: string): ContactInfo | undefined {
    return this.contactList.find((c) => nameKey(c.pseudonym) === nameKey(name));
  }

  /** Names the relay does not know (findUser); everyone else is registered. */
  readonly unknownUsers = new Set<string>();

  /** Like the core: someone the relay knows is pinned as a contact (as a first message would). */
  async findUser(name: string): Promise<'known' | 'unknown' | 'self' | 'unreachable'> {
    if (nameKey(name) === nameKey(this.me.pseudonym)) return 'self';
    if (this.unknownUsers.has(nameKey(name))) return 'unknown';
    if (this.contact(name) === undefined) this.contactList = [...this.contactList, contact(name)];
    return 'known';
  }

  /** Whom the relay says holds a name now (askHolder): someone new is a new contact then. */
  readonly holders = new Map<string, ContactInfo>();
  /** No relay answers askHolder(). */
  relayGone = false;
  /** Names askHolder() was asked, in order. */
  readonly askedHolders: string[] = [];

  /** Like the core: someone new under a name is a new contact, replacing an old name's record. */
  async askHolder(name: string): Promise<'found' | 'unknown' | 'unreachable'> {
    this.askedHolders.push(name);
    if (this.relayGone) return 'unreachable';
    if (this.unknownUsers.has(nameKey(name))) return 'unknown';
    const holder = this.holders.get(nameKey(name));
    if (holder !== undefined) {
      const others = this.contactList.filter((c) => nameKey(c.pseudonym) !== nameKey(name));
      this.contactList = [...others, holder];
      this.emit('contact:new', holder);
    }
    return 'found';
  }

  /** Like the core: the newest pending key's number while the key changed. */
  fingerprint(name?: string): string {
    if (name === undefined) return this.me.fingerprint;
    return this.contact(name)?.pendingKeys.at(-1)?.safetyNumber ?? PINNED_SAFETY_NUMBER;
  }

  /** Like the core: accepts only the pending key (or, with none, the pinned key) of that number. */
  async block(name: string): Promise<BlockResult> {
    const changed = !this.blockedNames.has(name);
    this.blockedNames.add(name);
    if (changed) this.toldBlocked(name, true);
    return { user: this.blockedUser(name), changed };
  }

  async unblock(name: string): Promise<BlockResult> {
    const changed = this.blockedNames.delete(name);
    if (changed) this.toldBlocked(name, false);
    return { user: this.blockedUser(name), changed };
  }

  /** Like the core: the contact's `blocked` set, and 'contact:blocked' said. */
  toldBlocked(name: string, blocked: boolean): void {
    const c = this.contact(name);
    if (c === undefined) return;
    const now = { ...c, blocked };
    this.contactList = this.contactList.map((x) => (x === c ? now : x));
    this.emit('contact:blocked', now);
  }

  private blockedUser(name: string): BlockResult['user'] {
    const c = this.contact(name);
    if (c === undefined) throw new NatterError('E_UNKNOWN_CONTACT', `'${name}' is not a contact`);
    return { userId: c.userId, pseudonym: c.pseudonym, fingerprint: c.fingerprint, blockedAtMs: 0 };
  }

  async trust(
    name: string,
    compared: { safetyNumber: string },
  ): Promise<{ contact: ContactInfo; accepted: boolean; discarded: PendingKey[] }> {
    this.trusted.push({ name, safetyNumber: compared.safetyNumber });
    const c = this.contact(name)!;
    const pending = c.pendingKeys;
    const chosen =
      pending.length === 0
        ? compared.safetyNumber === PINNED_SAFETY_NUMBER
          ? c
          : undefined
        : pending.findLast((k) => k.safetyNumber === compared.safetyNumber);
    if (chosen === undefined) {
      throw new NatterError('E_SAFETY_NUMBER_MISMATCH', `trust: nothing accepted for '${name}'`);
    }
    const updated: ContactInfo = {
      ...c,
      userId: chosen.userId,
      fingerprint: chosen.fingerprint,
      verified: true,
      keyChanged: false,
      pendingKeys: [],
    };
    this.contactList = this.contactList.map((x) => (x === c ? updated : x));
    return {
      contact: updated,
      accepted: pending.length > 0,
      discarded: pending.filter((k) => k !== chosen),
    };
  }

  online(): OnlinePeer[] {
    return this.onlineNow;
  }

  async setStatus(
    status: PresenceStatus,
    text?: string,
    options?: { chosen?: boolean },
  ): Promise<void> {
    this.statuses.push({ status, text, ...(options?.chosen === false ? { automatic: true } : {}) });
  }

  /** What queued() answers: the test sets it (sends here stay 'queued' in history). */
  queuedNow: QueuedMessage[] = [];

  sendFile(target: FileTarget, paths: string[]): Promise<TransferInfo> {
    return this.files.send(target, paths);
  }

  fileOffers(): OfferInfo[] {
    return this.files.list();
  }

  acceptFile(ref: string): Promise<TransferInfo> {
    return this.files.accept(ref);
  }

  declineFile(ref: string): Promise<void> {
    return this.files.decline(ref);
  }

  cancelTransfer(ref: string): Promise<void> {
    return this.files.cancel(ref);
  }

  transfers(): TransferInfo[] {
    return this.files.running();
  }

  /** Answers to my uploads waiting for a UI: the test puts them; taken once, as the core does. */
  untoldReplies: FileReplyInfo[] = [];

  async takeFileReplies(): Promise<FileReplyInfo[]> {
    return this.untoldReplies.splice(0);
  }

  queued(): QueuedMessage[] {
    return this.queuedNow;
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
  }

  entries(conversation: string): HistoryEntry[] {
    let list = this.stored.get(conversation);
    if (list === undefined) {
      list = [];
      this.stored.set(conversation, list);
    }
    return list;
  }
}
