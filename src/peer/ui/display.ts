/**
 * Drawing the whole screen onto the terminal (view.ts paints it): the body
 * shows the open conversation's history or a panel over it. Owns the panel's
 * scroll offset; the history keeps its own (history-view.ts).
 */
import { conversationLines, type Line, wrapSpans } from './conversation.js';
import type { ConversationView } from './history-view.js';
import type { InputLine } from './input-line.js';
import { computeLayout, type Layout } from './layout.js';
import { welcomeLines } from './panels.js';
import type { Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import type { ChatState } from './state.js';
import { paintScreen } from './view.js';

export class Display {
  private panelScroll = 0;

  constructor(
    private readonly term: Terminal,
    private readonly state: ChatState,
    private readonly input: InputLine,
    /** The open conversation's history (open-conversation.ts keeps it current). */
    private readonly history: ConversationView,
    private readonly settings: UiSettings,
  ) {}

  /** A panel was opened: it starts at its top. */
  panelOpened(): void {
    this.panelScroll = 0;
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
    const layout = this.layout();
    const lines = this.currentLines(layout.body.w);
    const panel = this.state.panel !== null;
    if (!panel) this.history.follow(lines.length);
    const out = paintScreen(layout.cols, layout.rows, {
      state: this.state,
      lines,
      scroll: panel ? this.panelScroll : this.history.scroll,
      editor: this.input.editor,
      prompt: this.input.prompt(this.state.active()),
      sidebarCols: this.settings.sidebarWidth,
    });
    if (panel) this.panelScroll = out.scroll;
    else this.history.scroll = out.scroll;
    this.term.draw(out.grid, out.cursor);
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
      const entries = this.history.conversation === conv.id ? this.history.entries : [];
      return conversationLines(entries, conv.notes, {
        me: s.me.pseudonym,
        width,
        newCount: conv.unreadAtOpen,
      });
    }
    return welcomeLines(s.me.pseudonym, s.me.fingerprint, width);
  }
}
