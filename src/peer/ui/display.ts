/**
 * Drawing the whole screen onto the terminal (view.ts paints it): the body
 * shows the open conversation's history or a panel over it. Owns the panel's
 * scroll offset; the history keeps its own (history-view.ts).
 */
import { keptScroll } from './anchor.js';
import { collapsedAt, lineToShow } from './collapse.js';
import { type Line, newMessagesAt, wrapSpans } from './conversation.js';
import type { ConversationView } from './history-view.js';
import type { InputLine } from './input-line.js';
import { computeLayout, type Layout } from './layout.js';
import { LineCache } from './line-cache.js';
import { welcomeLines } from './panels.js';
import type { Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import type { ChatState } from './state.js';
import { paintScreen } from './view.js';

/** Lines above the "new messages" line left in view when a conversation opens there. */
const LINES_ABOVE_NEW = 1;

export class Display {
  private panelScroll = 0;
  private readonly lines = new LineCache();
  /** A conversation was opened and not yet drawn with its history: see startAtNew. */
  private opening = true;
  /** begin() was called. */
  private begun = false;
  /** The conversation's lines last drawn: where a page read at either end is kept (anchor.ts). */
  private drawn: readonly Line[] = [];

  constructor(
    private readonly term: Terminal,
    private readonly state: ChatState,
    private readonly input: InputLine,
    /** The open conversation's history (open-conversation.ts keeps it current). */
    private readonly history: ConversationView,
    private readonly settings: UiSettings,
  ) {}

  /** Drawing starts: before, the start is still choosing what to show (app.ts). */
  begin(): void {
    this.begun = true;
  }

  /** A panel was opened: it starts at its top. */
  panelOpened(): void {
    this.panelScroll = 0;
  }

  /** A conversation was opened (or opened again): its first draw may start at what is new. */
  conversationShown(): void {
    this.opening = true;
  }

  /** PageUp (1) / PageDown (-1). True when an older page of history should be read. */
  scroll(pages: 1 | -1): boolean {
    const page = Math.max(1, this.layout().body.h - 1);
    if (this.state.panel === null) return this.history.scrollBy(pages, page);
    this.panelScroll = Math.max(0, this.panelScroll - pages * page);
    return false;
  }

  /** Body width, for panels that lay text out. */
  paneWidth(): number {
    return this.layout().body.w;
  }

  render(): void {
    if (!this.begun) return;
    const layout = this.layout();
    const lines = this.currentLines(layout.body.w);
    const panel = this.state.panel !== null;
    if (!panel) {
      if (this.history.moved && this.history.conversation === this.state.activeId)
        this.history.scroll = keptScroll(this.drawn, lines, this.history.scroll);
      this.drawn = lines;
      this.history.follow(lines.length);
      this.startAtNew(lines, layout.body.h);
      this.bringIntoView(lines, layout.body.h);
    }
    const out = paintScreen(layout.cols, layout.rows, {
      state: this.state,
      lines,
      scroll: panel ? this.panelScroll : this.history.scroll,
      behind: !panel && !this.history.newest,
      newBelow: this.history.newBelow,
      editor: this.input.editor,
      prompt: this.prompt(),
      sidebarCols: this.settings.sidebarWidth,
    });
    if (panel) this.panelScroll = out.scroll;
    else this.history.clamp(out.scroll);
    this.term.draw(out.grid, out.cursor);
  }

  /**
   * Message `msgId` shown whole, in view from offset `at` of its text (/open); none: the
   * collapsed message on screen (the lowest, else the nearest above) from its start,
   * PageDown reading on (/expand). False when there is none.
   */
  expand(msgId?: string, at = 0): boolean {
    if (msgId !== undefined) {
      this.history.expand(msgId, at);
      return true;
    }
    const { body } = this.layout();
    const lines = this.currentLines(body.w);
    const here = collapsedAt(lines, lines.length - 1 - this.history.scroll);
    if (here === null) return false;
    this.history.expand(here);
    return true;
  }

  /** /collapse: the expanded messages folded, back to the newest; how many there were. */
  collapse(): number {
    return this.history.collapseAll();
  }

  /**
   * A message asked for (/expand, /open) drawn where it can be read: scrolled to its first
   * line, or to the line at the offset asked for when that is further than a pane down.
   * Once its conversation's history is read, and no read under way may replace what is
   * held (/open at a hit in the conversation on screen: the page around it, not the one
   * held before); a message not on the page read is not looked for again.
   */
  private bringIntoView(lines: readonly Line[], height: number): void {
    const reveal = this.history.reveal;
    const conv = this.state.active();
    if (reveal === null || conv === undefined || this.history.conversation !== conv.id) return;
    if (this.history.top === 'unknown' || this.history.reading) return;
    this.history.reveal = null;
    const top = lineToShow(lines, reveal.msgId, reveal.at, height);
    if (top !== -1) this.history.scroll = Math.max(0, lines.length - top - height);
  }

  /**
   * The first draw of an opened conversation with its history: when what is unread does not
   * fit on one screen, it starts at the "new messages" line (near the top, the line before
   * it above), not at the bottom pages below it; PageDown goes on from there.
   */
  private startAtNew(lines: readonly Line[], height: number): void {
    if (!this.opening) return;
    const conv = this.state.active();
    if (conv === undefined || conv.unreadAtOpen === 0) {
      this.opening = false;
      return;
    }
    const at = newMessagesAt(lines);
    // Not read yet: the line comes with the history.
    if (at === -1 || this.history.conversation !== conv.id) return;
    this.opening = false;
    // Scrolled already, or all that is new fits below the line: the bottom shows it.
    if (this.history.scroll !== 0 || lines.length - at <= height) return;
    const top = Math.max(0, at - LINES_ABOVE_NEW);
    this.history.scroll = Math.max(0, lines.length - height - top);
  }

  private prompt(): string {
    const conv = this.state.active();
    const tag = conv?.kind === 'group' ? this.state.groups.idTag(conv.id) : null;
    return this.input.prompt(conv, tag);
  }

  private layout(): Layout {
    return computeLayout(this.term.cols, this.term.rows, {
      sidebarCols: this.settings.sidebarWidth,
    });
  }

  private currentLines(width: number): Line[] {
    const s = this.state;
    if (s.panel) return s.panel.lines.flatMap((line) => wrapSpans(line, width));
    const conv = s.active();
    if (conv) {
      // Between a switch and its read the history still holds another conversation.
      const held = this.history.conversation === conv.id;
      const entries = held ? this.history.entries : [];
      return this.lines.get(entries, conv.notes, {
        me: s.me.pseudonym,
        width,
        // Counted up from the newest: drawn only where the newest is.
        newCount: this.history.newest ? conv.unreadAtOpen : 0,
        top: held ? this.history.top : 'unknown',
        bottom: held && !this.history.newest ? 'more' : 'newest',
        expanded: this.history.expanded,
      });
    }
    return welcomeLines(s.me.pseudonym, s.me.fingerprint, width);
  }
}
