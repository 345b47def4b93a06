/**
 * The chat screen: its parts (parts.ts, made by assembly.ts) around a terminal and the
 * core, and the host the slash commands run against (commands/). The core's events drive
 * it through wiring.ts, keys through keyboard.ts (STYLE.md §14: the UI is a client of
 * the core). Lifecycle: start() subscribes, loads and connects; quit() logs out; `done`
 * resolves after that. The caller owns the terminal and destroys it. The store is read
 * at start (the conversation list, messages and reports not yet shown), when a
 * conversation is shown or scrolled past what is loaded, and after the user's own send
 * (open-conversation.ts); every other event paints from its payload.
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { HistoryEntry, PeerEventMap, PresenceStatus } from '../index.js';
import { discoverConversations, say } from './addressing.js';
import { assembleScreen, type ScreenOptions } from './assembly.js';
import { COMMAND_LIST, type CommandHost } from './commands/index.js';
import type { ChatCore } from './core.js';
import { dispatch } from './dispatch.js';
import { loadOffers, showReply, wireFileEvents } from './file-events.js';
import { takeGroupUpdates, wireGroupEvents } from './group-events.js';
import type { LineEditor } from './input.js';
import { Keyboard } from './keyboard.js';
import { actionFor } from './keys.js';
import { note, showDamaged, showNotice, showStore } from './notes.js';
import type { NoticeExpiry } from './notice.js';
import type { OwnStatus } from './own-status.js';
import { helpPanel } from './panels.js';
import type { ScreenParts } from './parts.js';
import { expandHome } from './path-completion.js';
import { QUIT_QUESTION, unfinishedAtQuit } from './quit-check.js';
import type { KeyPress, Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import type { ChatState, NoteKind, Panel, SavedState } from './state.js';
import { withTimeout } from './tasks.js';
import { sanitize } from './text.js';
import { showReceived, wireEvents } from './wiring.js';

export interface ChatAppOptions extends ScreenOptions {
  /** The conversation list and unread counts of the last run. */
  saved?: SavedState | undefined;
  /** The status presence starts with (natter chat --status). */
  initialStatus?: { status: PresenceStatus; text?: string };
  /** The connection as last reported, if the caller connected before the screen opened. */
  connection?: PeerEventMap['connection:state'] | undefined;
  /** What the relay said of its mail store before the screen opened, if anything. */
  store?: PeerEventMap['relay:store'] | undefined;
  /** Bounds the goodbye at quit. Default 5 s. */
  logoutTimeoutMs?: number;
}

export class ChatApp implements CommandHost {
  readonly state: ChatState;
  readonly settings: UiSettings;
  readonly done: Promise<void>;
  private readonly parts: ScreenParts;
  private readonly keyboard: Keyboard;
  private readonly own: OwnStatus;
  private readonly log: Logger;
  private readonly expiry: NoticeExpiry;
  private unsubscribe: (() => void)[] = [];
  private quitting: Promise<void> | null = null;
  private resolveDone: () => void = () => undefined;

  constructor(
    readonly core: ChatCore,
    term: Terminal,
    private readonly options: ChatAppOptions,
  ) {
    const screen = assembleScreen(core, term, options, {
      notice: (text, kind, sticky) => this.notice(text, kind, sticky),
      switched: () => this.switched(),
    });
    const state = screen.parts.state;
    this.parts = screen.parts;
    this.own = screen.own;
    this.expiry = screen.expiry;
    this.log = screen.log;
    this.state = state;
    this.settings = options.settings;
    this.keyboard = new Keyboard(this.parts, this);
    if (options.connection) state.connection = { ...options.connection };
    if (options.initialStatus) {
      state.ownStatus = options.initialStatus.status;
      state.ownStatusText = options.initialStatus.text ?? '';
    }
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** The input line's text (tests read it). */
  get editor(): LineEditor {
    return this.parts.input.editor;
  }

  /** Subscribes to the core, restores the last session's list, draws, then connects. */
  async start(): Promise<void> {
    const { core, state, term } = this.parts;
    state.starting = true;
    this.unsubscribe = [
      ...wireEvents(this.parts),
      ...wireGroupEvents(this.parts),
      ...wireFileEvents(this.parts),
    ];
    state.setContacts(core.contacts());
    state.setOnline(core.online());
    if (this.options.saved) state.restore(this.options.saved);
    // What opens at start is decided from what was there: the conversation on screen when
    // the last run quit, else the most recent one with history. Never one that messages or
    // group changes taken below (or arriving meanwhile) bring: the screen changes the
    // conversation shown only when the user asks (a trial's first run switched to a group
    // its catch-up created and read 1,000 of its messages for the user).
    const newest = await discoverConversations(core, state);
    const opening = state.activeId ?? newest;
    // Messages another command received and nobody has shown yet.
    for (const m of await core.takeUnread()) showReceived(this.parts, m, { quiet: true });
    // Damaged or forged deliveries another command dropped and nobody has reported yet.
    for (const d of await core.takeDamaged()) showDamaged(this.parts, d);
    for (const n of await core.takeNotices()) showNotice(this.parts, n);
    await takeGroupUpdates(this.parts);
    loadOffers(this.parts);
    // Answers to my uploads that came while no chat ran (after loadOffers: its progress).
    for (const r of await core.takeFileReplies()) showReply(this.parts, r);
    // Mail taken above came while away, in the conversation that opens too: its unread
    // count becomes the "new messages" line, as for any conversation opened.
    if (opening !== null) state.activate(opening);
    state.starting = false;
    if (this.options.store?.reachable === false) showStore(this.parts, this.options.store);
    // Nothing was drawn until now (events meanwhile only changed the state): the first
    // screen already shows the conversation chosen, which no later step switches.
    this.parts.display.begin();
    term.onKey((key) => this.onKey(key));
    term.onPaste((text) => this.onPaste(text));
    term.onResize(() => this.render());
    this.own.activity();
    this.render();
    await this.parts.conversation.read();
    this.parts.connector.connect();
  }

  /** Resolves once no history load or command started so far is still running (tests). */
  settled(): Promise<void> {
    return this.parts.tasks.settled();
  }

  render(): void {
    this.parts.render();
  }

  // -- CommandHost (commands/) --------------------------------------------------

  open(name: string): void {
    this.showConversation(this.state.ensure(name).id);
  }

  closeConversation(id: string): void {
    if (this.state.close(id)) this.switched();
  }

  showConversation(id: string): void {
    this.state.activate(id);
    this.switched();
  }

  say(text: string): Promise<void> {
    return say(this.parts, text);
  }

  showPanel(panel: Panel): void {
    this.state.panel = panel;
    this.parts.display.panelOpened();
    this.render();
  }

  expand(msgId?: string, at?: number): boolean {
    if (this.state.panel) this.state.closePanel();
    const found = this.parts.display.expand(msgId, at);
    this.render();
    return found;
  }

  collapse(): number {
    const { conversation: open, tasks } = this.parts; // back to the newest: read it if not held
    if (!open.view.newest) tasks.track(open.read());
    const n = this.parts.display.collapse();
    this.render();
    return n;
  }

  readAround(entry: HistoryEntry): Promise<void> {
    return this.parts.conversation.openAt(entry);
  }

  showHelp(): void {
    this.showPanel(helpPanel(COMMAND_LIST, this.settings));
  }

  notice(text: string, kind: NoteKind = 'info', sticky = false): void {
    this.state.notice = { text, kind, ...(sticky ? { sticky } : {}) };
    this.render();
  }

  note(id: string, text: string, kind: NoteKind = 'info'): void {
    note(this.parts, id, text, kind);
  }

  expandPath(path: string): string {
    const files = this.options.localFiles;
    return files === undefined ? path : files.absolute(expandHome(path, files.home));
  }

  reread(): Promise<void> {
    return this.parts.conversation.sent();
  }

  ask(question: string, onYes: () => Promise<void>, topic?: string): void {
    this.parts.input.ask(question, onYes, topic);
    this.render();
  }

  async setOwnStatus(status: PresenceStatus, text: string): Promise<void> {
    try {
      await this.own.set(status, text);
      this.notice(`you are ${status}${text ? `: ${sanitize(text)}` : ''}`);
    } catch (err) {
      const { code, message } = describeError(err);
      this.notice(`status not changed: ${message} (${code})`, 'error');
    }
  }

  paneWidth(): number {
    return this.parts.display.paneWidth();
  }

  /**
   * /quit and Ctrl-C: quits, but first asks while messages wait unsent (issue 13) or an
   * upload is unfinished (quit-check.ts);
   * y, or Ctrl-C again, quits then.
   */
  requestQuit(): void {
    const unfinished = unfinishedAtQuit(this.core);
    if (unfinished === null || this.parts.input.asking === QUIT_QUESTION) {
      void this.quit();
      return;
    }
    this.notice(unfinished, 'warn');
    this.ask(QUIT_QUESTION, () => this.quit());
  }

  /** Logs out (BYE on the LAN, goodbye to the relay) and resolves `done`. Idempotent. */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      this.notice('logging out…');
      for (const off of this.unsubscribe) off();
      this.own.stop();
      this.expiry.close();
      this.parts.connector.stop();
      this.parts.saver.final();
      try {
        await withTimeout(this.core.logout(), this.options.logoutTimeoutMs ?? 5_000);
      } catch (err) {
        this.log.warn('logout failed', { code: describeError(err).code });
      }
      this.resolveDone();
    })();
    return this.quitting;
  }

  // -- the rest ---------------------------------------------------------------------

  private onKey(key: KeyPress): void {
    if (this.quitting) return;
    this.own.activity();
    const { input } = this.parts;
    const action = actionFor(key, {
      inputEmpty: input.editor.text.length === 0,
      completing: input.completing,
    });
    if (action.type !== 'complete') input.stopCompleting();
    if (!this.keyboard.typing(action)) dispatch(action, this.keyboard);
    this.render();
  }

  private onPaste(text: string): void {
    if (this.quitting) return;
    this.own.activity();
    this.keyboard.typing({ type: 'paste' });
    this.parts.input.stopCompleting();
    this.parts.input.editor.paste(text);
    this.render();
  }

  private switched(): void {
    // A question belongs to the panel it came with, which switching closed.
    this.parts.input.dropQuestion();
    this.parts.display.conversationShown();
    this.parts.conversation.switched();
    this.parts.saver.schedule();
  }
}
