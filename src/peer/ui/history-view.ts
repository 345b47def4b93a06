/**
 * The open conversation's history as the screen holds it: a window of at most HELD_PAGES
 * pages (the newest, or around where the user reads) and how far the view is scrolled
 * back. The store is read when a conversation is shown, at a /search hit, and when
 * scrolling nears an end of the window with more kept there: the page before the first
 * entry held or after the last, by cursor (messaging/history-pages.ts), the far end
 * dropped. Then the core's events keep the entries current, with no read per event;
 * events during a read are applied again to its result, which may predate them.
 */
import {
  type ConversationId,
  type GroupEventEntry,
  type HistoryItem,
  type HistoryPage,
  isGroupEvent,
  type OutgoingState,
  type PageAt,
  type ReceivedMessage,
} from '../index.js';
import { apply, type Change, Cursors, itemKey, join, receivedEntry } from './history-changes.js';

export { receivedEntry } from './history-changes.js';

/** Pages held at most: laying out 1,000 entries takes ms; 100,000 took seconds a page. */
export const HELD_PAGES = 5;

/** How the view reads the store: a page of the conversation shown (ChatCore.historyPage()). */
export type PageFetch = (at: PageAt, limit: number) => Promise<HistoryPage>;

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
  /** A page was put at an end of the window: the drawing keeps what is read in place (anchor.ts). */
  moved = false;
  /** Messages that arrived while scrolled back or behind: the header says so (view.ts). */
  newBelow = 0;
  /** The conversation shown (the core's id); null before the first. */
  private shown: ConversationId | null = null;
  /** Where each entry held is kept: for the next page's read. */
  private readonly cursors = new Cursors();
  /** Nothing older is kept: the top of the entries is the conversation's beginning. */
  private atStart = false;
  /** The entries end at the newest kept: events add to them. */
  private atEnd = true;
  /** An older (1) or newer (-1) page was asked for and its read has not ended. */
  private pending: 1 | -1 | null = null;
  private lineCount = 0;
  /** The last load added older entries above: the view must not move. */
  private grewAtTop = false;
  private seq = 0;
  /** Reads started and not finished: changes meanwhile are kept to apply to their result. */
  private loading = 0;
  private changes: { serial: number; change: Change }[] = [];
  private serial = 0;

  constructor(private readonly pageSize: number) {}

  get conversation(): ConversationId | null {
    return this.shown;
  }

  /** The entries end at the newest message kept (false: at an older one: /open, paging). */
  get newest(): boolean {
    return this.atEnd;
  }

  /** A read of the store has not ended: the entries held may be replaced (display.ts waits). */
  get reading(): boolean {
    return this.loading > 0;
  }

  /** The entry `msgId` is among those held. */
  holds(msgId: string): boolean {
    return this.entries.some((e) => !isGroupEvent(e) && e.msgId === msgId);
  }

  /** Shows `conversation` (again): no entries until load(), the newest page, at the bottom. */
  show(conversation: ConversationId): void {
    this.shown = conversation;
    this.entries = [];
    this.cursors.clear();
    this.scroll = 0;
    this.atStart = false;
    this.atEnd = true;
    this.pending = null;
    this.lineCount = 0;
    this.newBelow = 0;
    this.moved = false;
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
    if (n > 0 || !this.atEnd) this.scroll = 0;
    return n;
  }

  /**
   * Reads the page at `at` (the newest, or around a message) in place of the entries. False
   * when a later load, or `stillCurrent` turning false (the user switched away), overtook it.
   */
  async load(
    fetch: PageFetch,
    stillCurrent: () => boolean,
    at: PageAt = { newest: true },
  ): Promise<boolean> {
    const seq = ++this.seq;
    const read = await this.read(seq, stillCurrent, () => fetch(at, this.pageSize));
    if (read === null) return false;
    const { page, changes } = read;
    this.atStart = !page.older;
    this.atEnd = !page.newer;
    let entries = page.items;
    for (const c of changes) if (c.type === 'state' || this.atEnd) entries = apply(entries, c);
    const oldLast = this.entries.at(-1);
    const grew = entries.length > this.entries.length && oldLast !== undefined;
    this.grewAtTop = grew && itemKey(entries.at(-1)!) === itemKey(oldLast);
    this.hold(entries, page);
    return true;
  }

  /**
   * Reads the page scrollBy() asked for, before the first entry held or after the last, and
   * puts it there. False when there was none to read, or a load or a switch overtook it.
   */
  async more(fetch: PageFetch, stillCurrent: () => boolean): Promise<boolean> {
    const older = this.pending === 1;
    const cursor = this.cursors.at(this.entries, older ? 'first' : 'last');
    if (this.pending === null || cursor === undefined) {
      this.pending = null;
      return false;
    }
    const at: PageAt = older ? { before: cursor } : { after: cursor };
    const read = await this.read(this.seq, stillCurrent, () => fetch(at, this.pageSize));
    if (read === null) return false;
    const { page, changes } = read;
    const held = new Set(this.entries.map(itemKey));
    let items = page.items.filter((e) => !held.has(itemKey(e)));
    for (const c of changes) if (c.type === 'state') items = apply(items, c);
    const joined = join(this.entries, items, older, HELD_PAGES * this.pageSize);
    let entries = joined.entries;
    if (older) {
      this.atStart = !page.older;
      if (joined.cut) this.atEnd = false;
    } else {
      this.atEnd = !page.newer;
      if (joined.cut) this.atStart = false;
      // Messages that came while the window ended before them: the read may predate them.
      if (this.atEnd) for (const c of changes) if (c.type === 'add') entries = apply(entries, c);
    }
    this.moved = true;
    this.hold(entries, page);
    return true;
  }

  /** A message arrived (message:received): appended if it belongs here. True if it did. */
  received(m: ReceivedMessage): boolean {
    if (m.conversation !== this.shown) return false;
    if (this.scroll > 0 || !this.atEnd) this.newBelow++;
    return this.change({ type: 'add', entry: receivedEntry(m) });
  }

  /** A membership change the core kept (group:changed): appended if it belongs here. */
  event(e: GroupEventEntry): boolean {
    return e.conversation === this.shown && this.change({ type: 'add', entry: e });
  }

  /**
   * An outgoing message moved on (message:status). True if it is held; one outside the window
   * has nothing to draw (the screen's own sends are read back, see ChatApp.say).
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

  /** Above the entries: the beginning, more to read, or not known yet (conversation.ts draws it). */
  get top(): 'beginning' | 'more' | 'unknown' {
    if (this.shown === null || (this.entries.length === 0 && !this.atStart)) return 'unknown';
    return this.atStart ? 'beginning' : 'more';
  }

  /**
   * PageUp (1) / PageDown (-1) by `page` lines. True when a page should be read: the top is
   * near and more is kept above, or the bottom of a window that does not end at the newest.
   * While that page is read, further presses still count (see clamp()), so a held key goes
   * on from where it was once the page is there.
   */
  scrollBy(pages: 1 | -1, page: number): boolean {
    if (pages > 0) {
      this.scroll = Math.max(0, this.scroll) + page;
      if (this.atStart || this.pending !== null) return false;
      if (this.scroll <= this.lineCount - page) return false;
    } else {
      this.scroll -= page;
      if (this.atEnd) this.scroll = Math.max(0, this.scroll);
      if (this.atEnd || this.pending !== null || this.scroll >= page) return false;
    }
    this.pending = pages;
    return true;
  }

  /**
   * The offset the drawing used (clamped to the lines there are). While a page is read the
   * offset asked for beyond that end is kept: it reaches into that page once it is drawn.
   */
  clamp(drawn: number): void {
    if (this.pending === 1 && drawn <= this.scroll) return;
    if (this.pending === -1 && this.scroll < 0) return;
    this.scroll = drawn;
    if (drawn === 0 && this.atEnd) this.newBelow = 0;
  }

  /**
   * Called with the number of lines about to be drawn: while scrolled back, lines
   * arriving below push the offset up, so what the user reads stays put.
   */
  follow(lineCount: number): void {
    if (
      this.scroll > 0 &&
      this.lineCount > 0 &&
      lineCount > this.lineCount &&
      !this.grewAtTop &&
      !this.moved
    ) {
      this.scroll += lineCount - this.lineCount;
    }
    this.grewAtTop = false;
    this.moved = false;
    this.lineCount = lineCount;
  }

  /** Runs a read; its page and the changes made since it started, or null when overtaken. */
  private async read(
    seq: number,
    stillCurrent: () => boolean,
    run: () => Promise<HistoryPage>,
  ): Promise<{ page: HistoryPage; changes: Change[] } | null> {
    const from = this.serial;
    this.loading++;
    let page: HistoryPage;
    try {
      page = await run();
    } finally {
      this.loading--;
      // Ended, whatever became of it: the next key at that end may ask again (a read that
      // failed or was overtaken must not leave paging waiting for it for good).
      if (seq === this.seq) this.pending = null;
    }
    const current = seq === this.seq && stillCurrent();
    const changes = this.changes.filter((c) => c.serial > from).map((c) => c.change);
    if (this.loading === 0) this.changes = [];
    return current ? { page, changes } : null;
  }

  private hold(entries: HistoryItem[], page: HistoryPage): void {
    this.cursors.keep(entries, page);
    this.entries = entries;
  }
  private change(change: Change): boolean {
    if (this.loading > 0) this.changes.push({ serial: ++this.serial, change });
    // Past the window's end: it is read with the newer pages (PageDown), or the newest.
    if (change.type === 'add' && !this.atEnd) return false;
    const before = this.entries;
    this.entries = apply(before, change);
    return this.entries !== before;
  }
}
