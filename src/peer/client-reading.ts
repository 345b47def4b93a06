/**
 * The reading half of the client's API: what arrived and is unread, reports kept
 * until a UI shows them, my queued messages, history and counters. NatterClient
 * (client.ts) extends it through ClientGroups, so the UI and the CLI see one facade.
 */

import { normalizePseudonym, pseudonymProblem } from '../wire/text.js';
import type { ClientComponents } from './components.js';
import { type ConversationId, directConversation } from './conversations/ids.js';
import { PeerCode, peerError } from './errors.js';
import type { ConversationNotice, DamagedMessage, PeerStats, ReceivedMessage } from './events.js';
import { HistoryKeeper } from './history-keeper.js';
import type { HistoryEntry } from './messaging/history.js';
import {
  countHistory,
  type DeletionParts,
  deleteHistory,
  type HistoryDeletion,
  resumeHistoryDeletions,
} from './messaging/history-delete.js';
import type { HistoryItem } from './messaging/history-events.js';
import type { HistoryPruned } from './messaging/history-keep.js';
import { type HistoryPage, type PageAt, readPage } from './messaging/history-pages.js';
import { type HistorySearch, searchHistory } from './messaging/history-search.js';
import { type QueuedMessage, toQueued } from './messaging/queued.js';

/** An unread message (unread()); `unreadMark` is what markRead() clears. */
export interface UnreadMessage extends ReceivedMessage {
  unreadMark: string;
}

/** What findUser() learned of a name. */
export type UserFound = 'known' | 'unknown' | 'self' | 'unreachable';

export class ClientReading {
  /** Deletions of history, one at a time (deleteHistory()). */
  private deleting: Promise<unknown> = Promise.resolve();
  /** keep-history: deletes what grew older than the setting (history-keeper.ts). */
  private readonly keeper: HistoryKeeper;

  protected constructor(protected readonly c: ClientComponents) {
    this.keeper = new HistoryKeeper(c, (conversation, beforeMs) =>
      this.deleteHistory(conversation, { beforeMs }),
    );
  }

  /** The relay the link reached last ('host:port', its id in hex), to name in errors; null before any. */
  relayReached(): { address: string; relayId: string } | null {
    return this.c.link.relay;
  }

  /**
   * Whether `name` is someone to write to: 'known' (a contact, or registered on the relay,
   * and then pinned, as a first message would have), 'unknown' (the relay has no such name),
   * 'self', or 'unreachable' (no relay to ask now: a message would wait in the outbox).
   * E_BAD_PSEUDONYM for a name nobody can register.
   */
  async findUser(name: string): Promise<UserFound> {
    const peerName = normalizePseudonym(name);
    const problem = pseudonymProblem(peerName);
    if (problem !== null) throw peerError(PeerCode.BadPseudonym, `find user: the name ${problem}`);
    if (this.c.contacts.get(peerName) === undefined && !this.c.link.ready) return 'unreachable';
    const conversation = directConversation(peerName);
    const r = await this.c.direct.resolve({ conversation, peerName });
    if (r.ok || r.why === 'held' || r.why === 'bad-card') return 'known';
    return r.why === 'self' ? 'self' : r.why === 'retry' ? 'unreachable' : 'unknown';
  }

  /**
   * Asks the relay who holds `name` now, whoever the contact book pins it to: after a
   * contact's rename the relay's answer may be someone new (then a new contact under it,
   * as `send --to` says). 'unreachable' when no relay answers now.
   */
  async askHolder(name: string): Promise<'found' | 'unknown' | 'unreachable'> {
    const peerName = normalizePseudonym(name);
    if (!this.c.link.ready) return 'unreachable';
    const r = await this.c.direct.askAgain(peerName);
    return r === 'retry' ? 'unreachable' : r === 'ok' ? 'found' : 'unknown';
  }

  /**
   * Received messages not yet taken, 1:1 and group ones (with `group`), oldest first;
   * each is returned exactly once.
   */
  async takeUnread(): Promise<ReceivedMessage[]> {
    // One from a key blocked since it came is taken and not shown (a trial's counts kept them).
    const taken = await this.c.history.takeUnread();
    return taken
      .filter((e) => !this.c.blocks.has(e.peer.userId))
      .map((e) => this.c.groups.received(e));
  }

  /**
   * Received messages still unread, oldest first, without taking them: a UI shows
   * them, then passes those it showed to markRead(), so a message whose write failed
   * (a closed pipe: issue 13) stays unread. `limit`: the oldest so many only (`inbox
   * --max`: reading 20,000 waiting to print 100 cost a trial 400 MB).
   */
  async unread(limit?: number): Promise<UnreadMessage[]> {
    const all = await this.c.history.unread(limit);
    const blocked = all.filter(({ entry }) => this.c.blocks.has(entry.peer.userId));
    if (blocked.length > 0) await this.c.history.markRead(blocked.map((u) => u.mark));
    const entries = all.filter(({ entry }) => !this.c.blocks.has(entry.peer.userId));
    return entries.map(({ mark, entry }) => ({
      ...this.c.groups.received(entry),
      unreadMark: mark,
    }));
  }

  /** Marks messages from unread() read, durably; they are not returned again. */
  markRead(messages: readonly Pick<UnreadMessage, 'unreadMark'>[]): Promise<void> {
    return this.c.history.markRead(messages.map((m) => m.unreadMark));
  }

  /** My messages the relay has not stored yet (queued, or held for a key change), in send order. */
  queued(): QueuedMessage[] {
    return this.c.outbox.list().flatMap((e) => toQueued(e) ?? []);
  }

  /**
   * Cancels one of queued(): it is never sent, and its history entry says failed,
   * 'cancelled' ('message:status'). False if it is not queued (any more).
   */
  cancelQueued(msgId: string): Promise<boolean> {
    return this.c.sender.cancel(msgId);
  }

  /**
   * Reports of deliveries dropped as damaged or forged ('message:damaged') that no
   * UI has taken yet, oldest first; each is returned exactly once. A UI shows them
   * and takes them, like takeUnread(), so the next one does not repeat them.
   */
  takeDamaged(): Promise<DamagedMessage[]> {
    return this.c.damaged.take();
  }

  /**
   * Gaps and rewinds in senders' numbering ('conversation:notice') that no UI has
   * taken yet, oldest first; each is returned exactly once, like takeDamaged().
   */
  takeNotices(): Promise<ConversationNotice[]> {
    return this.c.notices.take();
  }

  /** Counters since open(): damaged and duplicate deliveries, refusals for now, dropped statuses. */
  stats(): PeerStats {
    const incoming = this.c.incoming.stats();
    return {
      ...incoming,
      damagedMessages: incoming.damagedMessages + this.c.groups.damagedMessages(),
      refusedSends: this.c.sender.refusals(),
      ...this.c.presence.stats(),
    };
  }

  /** The last `limit` entries of the conversation with `name`, oldest first. */
  conversation(name: string, limit?: number): Promise<HistoryEntry[]> {
    return this.history(directConversation(normalizePseudonym(name)), limit);
  }

  /** The last `limit` (default 100) entries of a conversation, oldest first. */
  history(conversation: ConversationId, limit?: number): Promise<HistoryEntry[]> {
    return this.c.history.list(conversation, limit);
  }

  /**
   * The last `limit` (default 100) messages and group changes of a conversation, oldest
   * first: history() with each membership change the core applied in a group, as an
   * entry of kind 'event' in its place (docs/groups.md "History").
   */
  timeline(conversation: ConversationId, limit?: number): Promise<HistoryItem[]> {
    return this.c.history.timeline(conversation, limit);
  }

  /**
   * A page of a conversation's messages and group changes, oldest first, `limit` at most:
   * the newest, those before or after a cursor a page handed out, or around a message
   * (the newest page when it is no longer kept). Range reads: paging through a
   * conversation reads each entry once (messaging/history-pages.ts).
   */
  historyPage(conversation: ConversationId, at: PageAt, limit: number): Promise<HistoryPage> {
    return readPage(this.c.store, conversation, at, limit);
  }

  /**
   * Every message of a conversation's local history that `matches` accepts, newest first,
   * up to `maxHits`, with how many were read (history-search.ts: a scan, not an index).
   */
  searchHistory(
    conversation: ConversationId,
    matches: (entry: HistoryEntry) => boolean,
    maxHits: number,
  ): Promise<HistorySearch> {
    return searchHistory(this.c.store, conversation, matches, maxHits);
  }

  /**
   * What deleteHistory() would take now: the conversation's messages and change lines kept
   * here before `beforeMs` (default: now, so all of them), and my messages among them it
   * would leave because they are still in the outbox. Pass the answer's `beforeMs` to
   * deleteHistory() to delete what was counted, and nothing that came since.
   */
  historyToDelete(
    conversation: ConversationId,
    options: { beforeMs?: number } = {},
  ): Promise<HistoryDeletion> {
    return countHistory(deletionParts(this.c), conversation, this.boundOf(options));
  }

  /**
   * Deletes a conversation's local history, or its entries kept here before `beforeMs`:
   * messages, a group's change lines, their unread marks and id keys. My messages still in
   * the outbox stay, and are still sent; contacts, keys, groups and files are not touched
   * (messaging/history-delete.ts). Durable when it resolves; a process that dies midway
   * finishes at its next open. Emits 'history:deleted' so a UI redraws the conversation.
   */
  deleteHistory(
    conversation: ConversationId,
    options: { beforeMs?: number } = {},
  ): Promise<HistoryDeletion> {
    const run = this.deleting.then(async () => {
      const parts = deletionParts(this.c);
      const bound = this.boundOf(options);
      const done = await this.c.history.rewrite(() => deleteHistory(parts, conversation, bound));
      this.c.events.emit('history:deleted', { conversation, ...done });
      return done;
    });
    this.deleting = run.catch(() => undefined);
    return run;
  }

  /** How long history is kept here, in ms; null: for ever (the default). */
  historyKeep(): Promise<number | null> {
    return this.keeper.keep();
  }

  /**
   * Keeps history for `keepMs` from now on (null: for ever), and deletes at once what is
   * older (pruneHistory()). E_BAD_SETTING outside an hour to a hundred years.
   */
  setHistoryKeep(keepMs: number | null): Promise<HistoryPruned> {
    return this.keeper.setKeep(keepMs);
  }

  /**
   * Deletes every conversation's entries kept here longer than historyKeep() (as
   * deleteHistory() does, one conversation at a time, each emitting 'history:deleted';
   * a pass that took any emits 'history:pruned').
   */
  pruneHistory(): Promise<HistoryPruned> {
    return this.keeper.prune();
  }

  /** What keep-history took since the last call (a UI says it once), or null. */
  takeHistoryPruned(): Promise<HistoryPruned | null> {
    return this.keeper.takePruned();
  }

  /** At open: prunes now (in the background) and every HISTORY_PRUNE_EVERY_MS. */
  protected keepHistory(): this {
    this.keeper.start();
    return this;
  }

  /** At close: no more pruning, and the deletion under way (if any) finished. */
  protected async stopKeepingHistory(): Promise<void> {
    await this.keeper.stop();
    await this.deleting;
  }

  /** Entries kept before this time go; none given: every entry kept until now. */
  private boundOf(options: { beforeMs?: number }): number {
    return options.beforeMs ?? this.c.clock.now() + 1;
  }
}

/** What a deletion of history works with (history-delete.ts). */
export function deletionParts(c: ClientComponents): DeletionParts {
  return {
    store: c.store,
    history: c.history,
    queued: (msgId) => c.outbox.get(msgId) !== undefined,
  };
}

/** At open: finishes a deletion of history that a process which died left under way. */
export function finishDeletions(c: ClientComponents): Promise<void> {
  return resumeHistoryDeletions(deletionParts(c));
}
