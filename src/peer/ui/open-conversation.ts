/**
 * The conversation on screen and its history. The store is read when it is
 * shown, at a /search hit (/open), when scrolling needs a page past either end of
 * what is held, and after the user's own
 * send (send() answers with the message id only, not the entry as stored); in
 * between, the core's events keep it current from their payloads
 * (history-view.ts).
 */
import type { GroupEventEntry, HistoryEntry, PageAt, PeerEventMap } from '../index.js';
import { entryTime } from './conversation.js';
import type { ChatCore } from './core.js';
import { ConversationView } from './history-view.js';
import { isSearchPanel } from './panels.js';
import { type ChatState, type Conversation, mentions } from './state.js';
import type { Tasks } from './tasks.js';

export class OpenConversation {
  readonly view: ConversationView;
  /** The screen's own sends under way (own()). */
  private sending = 0;

  constructor(
    private readonly o: {
      core: ChatCore;
      state: ChatState;
      tasks: Tasks;
      /** History entries per read, and per older page. */
      pageSize: number;
      /** Something to draw changed. */
      changed: () => void;
    },
  ) {
    this.view = new ConversationView(o.pageSize);
  }

  /**
   * The active conversation was (re)opened: its newest page, at the bottom. Opened again
   * while it is on screen (`/msg bob` in bob's), what is held stays drawn until the read
   * replaces it, and the messages /expand showed whole stay so: a command typed at once
   * acts on what the user sees. Emptied here, an e2e run's `/expand` typed right after
   * found no message, and its message stayed collapsed.
   */
  switched(): void {
    const conv = this.o.state.active();
    if (conv !== undefined && this.view.conversation === conv.id) {
      this.view.scroll = 0;
      this.view.reveal = null; // asked for before the bottom was
    } else if (conv !== undefined) {
      this.view.show(conv.id);
    }
    this.o.tasks.track(this.read());
  }

  /** Reads the active conversation's latest page (see the file comment for when). */
  read(): Promise<void> {
    return this.readAt({ newest: true });
  }

  /** /open: the active conversation read around message `entry` (a search hit), wherever it is. */
  openAt(entry: HistoryEntry): Promise<void> {
    return this.readAt({ around: entry });
  }

  /** The page scrolling asked for (Display.scroll()), before or after what is held. */
  async more(): Promise<void> {
    const { state } = this.o;
    const conv = state.active();
    if (conv === undefined || this.view.conversation !== conv.id) return;
    const fresh = await this.view.more(
      (at, limit) => this.o.core.historyPage(conv.id, at, limit),
      () => state.activeId === conv.id,
    );
    if (fresh) this.o.changed();
  }

  private async readAt(at: PageAt): Promise<void> {
    const { core, state } = this.o;
    const conv = state.active();
    if (conv === undefined) return;
    if (this.view.conversation !== conv.id) this.view.show(conv.id);
    const fresh = await this.view.load(
      (at, limit) => core.historyPage(conv.id, at, limit),
      () => state.activeId === conv.id,
      at,
    );
    if (fresh) this.o.changed();
  }

  /** The user's own message went to the core: back to the bottom, and read back. */
  async sent(): Promise<void> {
    this.view.scroll = 0;
    await this.read();
  }

  /** A membership change the core kept in its group's history: shown at once if it is open. */
  groupEvent(e: GroupEventEntry): void {
    if (this.view.event(e)) this.o.changed();
  }

  /** message:received: shown at once if its conversation is the open one. */
  received(m: PeerEventMap['message:received']): void {
    if (this.view.received(m)) this.o.changed();
  }

  /**
   * Runs the screen's own send: its message:queued is not read back on its own, since
   * sent() reads once the send returns (one read per send).
   */
  async own<T>(send: () => Promise<T>): Promise<T> {
    this.sending++;
    try {
      return await send();
    } finally {
      this.sending--;
    }
  }

  /**
   * message:queued: a message of mine in the open conversation that this screen did not
   * write (a script through the control socket) is read back, as the screen's own are.
   */
  queued(e: PeerEventMap['message:queued']): void {
    if (this.sending > 0 || e.conversation !== this.view.conversation) return;
    // Held already, or past the end of an older window: PageDown reads it there.
    if (this.view.holds(e.msgId) || !this.view.newest) return;
    this.o.tasks.track(this.read());
  }

  /**
   * history:deleted (/delete-history, or `natter history --delete` through the control
   * socket): the conversation loses its lines from before then, the screen's own notes
   * included, and counts as unread no more messages than it still holds; read again if
   * it is the one on screen.
   */
  deleted(e: PeerEventMap['history:deleted']): void {
    const conv = this.o.state.get(e.conversation);
    if (conv === undefined) return;
    conv.notes = conv.notes.filter((n) => n.atMs >= e.beforeMs);
    if (e.conversation === this.view.conversation) {
      this.view.show(e.conversation);
      this.o.tasks.track(this.read());
    }
    if (conv.unread > 0 || conv.unreadAtOpen > 0) this.o.tasks.track(this.recount(conv));
    this.forgetHits(e);
    this.o.changed();
  }

  /** The last /search's hits, when the deletion took some: gone, and its panel closed. */
  private forgetHits(e: PeerEventMap['history:deleted']): void {
    const { state } = this.o;
    const taken = (h: (typeof state.lastSearch)[number]) =>
      h.id === e.conversation && entryTime(h.entry) < e.beforeMs;
    if (!state.lastSearch.some(taken)) return;
    state.lastSearch = [];
    if (isSearchPanel(state.panel)) state.panel = null;
    state.notice = {
      text: 'history the last /search found was deleted: /search again',
      kind: 'info',
    };
  }

  /**
   * history:moved (a renamed contact's history follows them, the relay having confirmed the
   * rename): the old name's messages, and what of them was unread, are the new name's now;
   * either one on screen is read again.
   */
  moved(e: PeerEventMap['history:moved']): void {
    const from = this.o.state.get(e.from);
    const to = this.o.state.get(e.to);
    if (from !== undefined) {
      // Unread goes over unless the conversation it goes to is on screen (read as it shows).
      if (to !== undefined && e.to !== this.view.conversation) {
        to.unread += from.unread;
        to.mentioned ||= from.mentioned;
      }
      Object.assign(from, { unread: 0, unreadAtOpen: 0, mentioned: false });
    }
    if (e.from === this.view.conversation || e.to === this.view.conversation) {
      this.view.show(this.view.conversation);
      this.o.tasks.track(this.read());
    }
    this.o.changed();
  }

  private async recount(conv: Conversation): Promise<void> {
    const received = (entry: HistoryEntry) => entry.direction === 'in';
    const most = Math.max(conv.unread, conv.unreadAtOpen);
    const { hits } = await this.o.core.searchHistory(conv.id, received, most);
    conv.unread = Math.min(conv.unread, hits.length);
    conv.unreadAtOpen = Math.min(conv.unreadAtOpen, hits.length);
    // Only what is still unread may mention me (a trial's deleted mention kept its '@').
    const me = conv.kind === 'group' ? `@${this.o.state.me.pseudonym}` : this.o.state.me.pseudonym;
    const left = hits.slice(0, conv.unread); // newest first: the ones still unread
    conv.mentioned &&= left.some((h) => mentions(h.text, me));
    this.o.changed();
  }

  /** message:status: an own message's mark changes, if it is on the page shown. */
  outgoing(e: PeerEventMap['message:status']): void {
    if (this.view.outgoing(e)) this.o.changed();
  }
}
