/**
 * The open conversation's history as the screen holds it: the entries loaded
 * from the local store (the latest `limit`), and how far the view is scrolled
 * back. Scrolling past what is loaded asks for an older page.
 */
import type { HistoryEntry } from '../index.js';

export class ConversationView {
  entries: HistoryEntry[] = [];
  /** Lines up from the bottom; 0 follows new messages. */
  scroll = 0;
  private limit: number;
  private lineCount = 0;
  /** The last load added older entries above: the view must not move. */
  private grewAtTop = false;
  private seq = 0;

  constructor(private readonly pageSize: number) {
    this.limit = pageSize;
  }

  /** Another conversation: the newest page, at the bottom. */
  reset(): void {
    this.entries = [];
    this.scroll = 0;
    this.limit = this.pageSize;
    this.lineCount = 0;
    this.seq++;
  }

  /**
   * Loads the latest `limit` entries. False when a later load, or `stillCurrent`
   * turning false (the user switched away), overtook this one.
   */
  async load(
    fetch: (limit: number) => Promise<HistoryEntry[]>,
    stillCurrent: () => boolean,
  ): Promise<boolean> {
    const seq = ++this.seq;
    const entries = await fetch(this.limit);
    if (seq !== this.seq || !stillCurrent()) return false;
    const oldLast = this.entries[this.entries.length - 1]?.msgId;
    this.grewAtTop =
      entries.length > this.entries.length &&
      oldLast !== undefined &&
      entries[entries.length - 1]?.msgId === oldLast;
    this.entries = entries;
    return true;
  }

  /** PageUp (1) / PageDown (-1) by `page` lines. True when an older page should be loaded. */
  scrollBy(pages: 1 | -1, page: number): boolean {
    this.scroll = Math.max(0, this.scroll + pages * page);
    if (pages > 0 && this.scroll > this.lineCount - page && this.entries.length >= this.limit) {
      this.limit += this.pageSize;
      return true;
    }
    return false;
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
}
