/**
 * The open conversation's history as the screen holds it: the latest `limit`
 * entries, and how far the view is scrolled back. The store is read when a
 * conversation is shown and when scrolling back needs an older page; after
 * that the core's events keep the entries current (a message received, an
 * outgoing message's new state), so nothing is re-read per event. Events that
 * arrive while a read is in flight are applied again to its result, which may
 * predate them.
 */
import {
  type ConversationId,
  type GroupEventEntry,
  type HistoryEntry,
  type HistoryItem,
  isGroupEvent,
  type OutgoingState,
  type ReceivedMessage,
} from '../index.js';

/** What an event does to the entries: one more entry, or a new state for one. */
type Change =
  | { type: 'add'; entry: HistoryItem }
  | { type: 'state'; msgId: string; state: OutgoingState; reason?: string };

export class ConversationView {
  entries: HistoryItem[] = [];
  /** Lines up from the bottom; 0 follows new messages. */
  scroll = 0;
  /**
   * Long messages shown whole (/expand, /open), by id; the others are collapsed
   * (collapse.ts). Replaced on change, never changed in place (line-cache.ts compares it);
   * they fold again when another conversation is shown.
   */
  expanded: ReadonlySet<string> = new Set();
  /** A message to bring into view at the next draw, at offset `at` of its text (display.ts). */
  reveal: { msgId: string; at: number } | null = null;
  /** The conversation shown (the core's id); null before the first. */
  private shown: ConversationId | null = null;
  /** How many entries the window reads: the newest page, and a page more per older page asked for. */
  private limit: number;
  /**
   * The last read found fewer entries than it asked for: nothing older is kept, and the
   * top of the entries is the conversation's beginning.
   */
  private atStart = false;
  /** An older page was asked for and its read has not ended (scrollBy asks for no other). */
  private olderPending = false;
  private lineCount = 0;
  /** The last load added older entries above: the view must not move. */
  private grewAtTop = false;
  private seq = 0;
  /** Reads started and not finished: changes meanwhile are kept to apply to their result. */
  private loading = 0;
  private changes: Change[] = [];

  constructor(private readonly pageSize: number) {
    this.limit = pageSize;
  }

  get conversation(): ConversationId | null {
    return this.shown;
  }

  /** The entry `msgId` is among those held. */
  holds(msgId: string): boolean {
    return this.entries.some((e) => !isGroupEvent(e) && e.msgId === msgId);
  }

  /** Shows `conversation` (again): no entries until load(), the newest page, at the bottom. */
  show(conversation: ConversationId): void {
    this.shown = conversation;
    this.entries = [];
    this.scroll = 0;
    this.limit = this.pageSize;
    this.atStart = false;
    this.olderPending = false;
    this.lineCount = 0;
    this.changes = [];
    this.expanded = new Set();
    this.reveal = null;
    this.seq++;
  }

  /** Shows message `msgId` whole, and in view at the next draw from offset `at` of its text. */
  expand(msgId: string, at = 0): void {
    this.expanded = new Set([...this.expanded, msgId]);
    this.reveal = { msgId, at };
  }

  /** Folds the expanded messages again and goes back to the newest. How many there were. */
  collapseAll(): number {
    const n = this.expanded.size;
    this.expanded = new Set();
    this.reveal = null;
    if (n > 0) this.scroll = 0;
    return n;
  }

  /**
   * Reads the latest `limit` entries. False when a later load, or `stillCurrent`
   * turning false (the user switched away), overtook this one.
   */
  async load(
    fetch: (limit: number) => Promise<HistoryItem[]>,
    stillCurrent: () => boolean,
  ): Promise<boolean> {
    const seq = ++this.seq;
    const limit = this.limit;
    this.loading++;
    let entries: HistoryItem[];
    try {
      entries = await fetch(limit);
    } finally {
      this.loading--;
      // Ended, whatever became of it: the next PageUp at the top may ask again (a read that
      // failed or was overtaken must not leave paging waiting for it for good).
      if (seq === this.seq) this.olderPending = false;
    }
    const current = seq === this.seq && stillCurrent();
    if (current) this.atStart = entries.length < limit;
    if (current) for (const change of this.changes) entries = apply(entries, change);
    // The latest read has them now; earlier reads still running are discarded when they end.
    if (current || this.loading === 0) this.changes = [];
    if (!current) return false;
    const oldLast = this.entries[this.entries.length - 1];
    const newLast = entries[entries.length - 1];
    this.grewAtTop =
      entries.length > this.entries.length &&
      oldLast !== undefined &&
      newLast !== undefined &&
      itemKey(newLast) === itemKey(oldLast);
    this.entries = entries;
    return true;
  }

  /** A message arrived (message:received): appended if it belongs here. True if it did. */
  received(m: ReceivedMessage): boolean {
    if (m.conversation !== this.shown) return false;
    return this.change({ type: 'add', entry: receivedEntry(m) });
  }

  /** A membership change the core kept (group:changed): appended if it belongs here. */
  event(e: GroupEventEntry): boolean {
    if (e.conversation !== this.shown) return false;
    return this.change({ type: 'add', entry: e });
  }

  /**
   * An outgoing message moved on (message:status). True if it is one of the
   * entries held; one outside them is older than the page shown (this screen's
   * own sends are read back by the caller, see ChatApp.say), so there is nothing to draw.
   */
  outgoing(e: {
    conversation: ConversationId;
    msgId: string;
    state: OutgoingState;
    reason?: string;
  }): boolean {
    if (e.conversation !== this.shown) return false;
    const { msgId, state, reason } = e;
    return this.change({
      type: 'state',
      msgId,
      state,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /**
   * What is above the entries: the conversation's beginning, more to load, or not known
   * yet (nothing read). Drawn as the first line (conversation.ts), so that the top of a
   * page read is never taken for the first message.
   */
  get top(): 'beginning' | 'more' | 'unknown' {
    if (this.shown === null || (this.entries.length === 0 && !this.atStart)) return 'unknown';
    return this.atStart ? 'beginning' : 'more';
  }

  /**
   * PageUp (1) / PageDown (-1) by `page` lines. True when an older page should be loaded:
   * the top is near and more is kept. While that page is read, further PageUps still count
   * (see clamp()), so a held key goes on from where it was once the page is there.
   */
  scrollBy(pages: 1 | -1, page: number): boolean {
    this.scroll = Math.max(0, this.scroll + pages * page);
    if (pages < 0 || this.atStart || this.olderPending) return false;
    if (this.scroll <= this.lineCount - page) return false;
    this.limit = Math.max(this.limit, this.entries.length) + this.pageSize;
    this.olderPending = true;
    return true;
  }

  /**
   * The offset the drawing used (clamped to the lines there are). While an older page is
   * read the offset asked for is kept: it reaches into that page once it is drawn.
   */
  clamp(drawn: number): void {
    if (!this.olderPending || drawn > this.scroll) this.scroll = drawn;
  }

  /**
   * Called with the number of lines about to be drawn: while scrolled back, lines
   * arriving below push the offset up, so what the user reads stays put.
   */
  follow(lineCount: number): void {
    if (this.scroll > 0 && this.lineCount > 0 && lineCount > this.lineCount && !this.grewAtTop) {
      this.scroll += lineCount - this.lineCount;
    }
    this.grewAtTop = false;
    this.lineCount = lineCount;
  }

  private change(change: Change): boolean {
    if (this.loading > 0) this.changes.push(change);
    const before = this.entries;
    this.entries = apply(before, change);
    return this.entries !== before;
  }
}

/** The history entry the core stored for a received message (history.ts). */
export function receivedEntry(m: ReceivedMessage): HistoryEntry {
  return {
    conversation: m.conversation,
    direction: 'in',
    msgId: m.msgId,
    peer: { pseudonym: m.from.pseudonym, userId: m.from.userId },
    text: m.text,
    sentAtMs: m.sentAtMs,
    receivedAtMs: m.receivedAtMs,
  };
}

/** What makes an item one: a message's id, or a change's group and log seq. */
function itemKey(e: HistoryItem): string {
  return isGroupEvent(e) ? `#${e.groupId}!${e.seq}` : e.msgId;
}

/** `entries` with `change` made; the same array when it changes nothing. Entries are never mutated. */
function apply(entries: HistoryItem[], change: Change): HistoryItem[] {
  if (change.type === 'add') {
    const key = itemKey(change.entry);
    if (entries.some((e) => itemKey(e) === key)) return entries;
    return [...entries, change.entry];
  }
  const at = entries.findIndex(
    (e) => !isGroupEvent(e) && e.msgId === change.msgId && e.direction === 'out',
  );
  const old = entries[at];
  if (old === undefined || isGroupEvent(old)) return entries;
  const updated: HistoryEntry = {
    ...old,
    state: change.state,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
  };
  return [...entries.slice(0, at), updated, ...entries.slice(at + 1)];
}
