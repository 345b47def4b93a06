/**
 * The chat screen: composes the state, the input, the view and a terminal, and
 * drives them from the core's events (STYLE.md §14: the UI is a client of the
 * core). Lifecycle: start() subscribes, loads and connects; quit() logs out;
 * `done` resolves after that. The caller owns the terminal and destroys it.
 */
import { type Clock, systemClock, type Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import type { DamagedMessage, PeerEventMap, PresenceStatus } from '../index.js';
import { type CommandHost, runCommand } from './actions.js';
import { parseInput } from './commands.js';
import { Completer } from './completer.js';
import { conversationLines, entryTime, type Line, wrapSpans } from './conversation.js';
import type { ChatCore } from './core.js';
import { dispatch, type KeyTarget } from './dispatch.js';
import { ConversationView } from './history-view.js';
import { LineEditor } from './input.js';
import { actionFor } from './keys.js';
import { computeLayout, type Layout } from './layout.js';
import { desktopNotification, notificationFor } from './notify.js';
import { OwnStatus } from './own-status.js';
import { welcomeLines } from './panels.js';
import type { KeyPress, Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import { ChatState, type NoteKind, type Panel, type SavedState } from './state.js';
import { sanitize, truncate } from './text.js';
import { paintScreen } from './view.js';
import { wireEvents } from './wiring.js';

export interface ChatAppOptions {
  settings: UiSettings;
  clock?: Clock;
  logger?: Logger;
  /** The conversation list and unread counts of the last run. */
  saved?: SavedState | undefined;
  /** Called (debounced) when the conversation list or unread counts change. */
  save?: (state: SavedState) => void;
  /** The status presence starts with (natter chat --status). */
  initialStatus?: { status: PresenceStatus; text?: string };
  /** The connection as last reported, if the caller connected before the screen opened. */
  connection?: PeerEventMap['connection:state'] | undefined;
  /** Bounds the goodbye at quit. Default 5 s. */
  logoutTimeoutMs?: number;
}

const SAVE_DELAY_MS = 1_000;
/** One connect attempt (discovery included); the core keeps retrying after it. */
const CONNECT_TIMEOUT_MS = 15_000;

export class ChatApp implements CommandHost, KeyTarget {
  readonly state: ChatState;
  readonly editor = new LineEditor();
  readonly settings: UiSettings;
  readonly done: Promise<void>;
  private readonly view: ConversationView;
  private panelScroll = 0;
  private readonly completer = new Completer();
  private question: { text: string; onYes: () => Promise<void> } | null = null;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly own: OwnStatus;
  private saveTimer: Timer | null = null;
  private unsubscribe: (() => void)[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private quitting: Promise<void> | null = null;
  private waitingForRelay = false;
  private resolveDone: () => void = () => undefined;

  constructor(
    readonly core: ChatCore,
    private readonly term: Terminal,
    private readonly options: ChatAppOptions,
  ) {
    this.settings = options.settings;
    this.view = new ConversationView(options.settings.historyPageSize);
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ component: 'ui' });
    this.state = new ChatState({ pseudonym: core.me.pseudonym, fingerprint: core.me.fingerprint });
    this.own = new OwnStatus({
      state: this.state,
      announce: (status, text) => core.setStatus(status, text),
      clock: this.clock,
      autoAwayMinutes: options.settings.autoAwayMinutes,
      changed: () => this.render(),
      failed: (err) => this.log.warn('status not announced', { code: describeError(err).code }),
    });
    if (options.connection) this.state.connection = { ...options.connection };
    if (options.initialStatus) {
      this.state.ownStatus = options.initialStatus.status;
      this.state.ownStatusText = options.initialStatus.text ?? '';
    }
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Subscribes to the core, restores the last session's list, draws, then connects. */
  async start(): Promise<void> {
    this.unsubscribe = wireEvents(this.core, this);
    this.state.setContacts(this.core.contacts());
    this.state.setOnline(this.core.online());
    if (this.options.saved) this.state.restore(this.options.saved);
    await this.discoverConversations();
    // Messages another command received and nobody has shown yet.
    for (const m of await this.core.takeUnread()) this.messageReceived(m, { quiet: true });
    // Damaged or forged deliveries another command dropped and nobody has reported yet.
    for (const d of await this.core.takeDamaged()) this.showDamaged(d);
    const first = this.state.conversations[0];
    if (this.state.activeId === null && first) this.state.activate(first.id);
    this.term.onKey((key) => this.onKey(key));
    this.term.onPaste((text) => this.onPaste(text));
    this.term.onResize(() => this.render());
    this.own.activity();
    this.render();
    await this.reload();
    this.connect();
  }

  /** Resolves once no history load or command started so far is still running (tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // -- from wiring.ts: the core's events -------------------------------------

  messageReceived(m: PeerEventMap['message:received'], options: { quiet?: boolean } = {}): void {
    const { onScreen, conversation } = this.state.received(m);
    this.scheduleSave();
    if (onScreen) this.track(this.reload());
    if (!options.quiet) {
      const kind = this.settings.desktopNotifications;
      const n = notificationFor({ onScreen }, this.state.ownStatus, {
        bell: this.settings.bell,
        desktop: kind,
      });
      if (n.bell) this.term.bell();
      if (n.desktop && kind !== 'off')
        this.term.osc(desktopNotification(kind, conversation.name, m.text));
      // Shown (or counted) here: `natter inbox` need not print it again.
      this.track(this.core.takeUnread());
    }
    this.render();
  }

  damagedReported(): void {
    // Taken, not read from the event: shown once here, and `natter inbox` need not repeat it.
    this.track(
      this.core.takeDamaged().then((reports) => {
        for (const d of reports) this.showDamaged(d);
      }),
    );
  }

  /**
   * A warning in the conversation with the claimed sender. The name is the relay's
   * routing claim, not an authenticated sender (DESIGN.md §3): said as such.
   */
  private showDamaged(d: DamagedMessage): void {
    this.state.ensure(d.claimedFrom.pseudonym, d.conversation);
    this.scheduleSave();
    this.note(
      d.conversation,
      `a message claimed to be from ${sanitize(d.claimedFrom.pseudonym)} arrived damaged or forged and was dropped: ${d.reason} (${d.code})`,
      'error',
      true,
    );
  }

  /** A conversation's history changed in the store (delivery state, release): reload if shown. */
  historyChanged(conversation: string): void {
    if (this.state.activeId === conversation) this.track(this.reload());
  }

  note(
    conversation: string | null,
    text: string,
    kind: NoteKind = 'info',
    alsoNotice = false,
  ): void {
    if (conversation !== null)
      this.state.note(conversation, { atMs: this.clock.now(), text, kind });
    if (alsoNotice) this.state.notice = { text, kind };
    this.render();
  }

  relayDiscovered(): void {
    if (this.waitingForRelay) this.connect();
  }

  // -- CommandHost -------------------------------------------------------------

  open(name: string): void {
    this.state.activate(this.state.ensure(name).id);
    this.afterSwitch();
  }

  async say(text: string): Promise<void> {
    const conv = this.state.active();
    if (conv === undefined || this.state.panel !== null) {
      const why =
        conv === undefined ? 'no conversation open: /msg NAME first' : 'Esc closes the panel first';
      this.notice(why, 'error');
      return;
    }
    try {
      await this.core.send(conv.name, text);
      conv.lastMs = this.clock.now();
      this.view.scroll = 0;
    } catch (err) {
      const { code, message } = describeError(err);
      this.notice(`not sent: ${message} (${code})`, 'error');
    }
    await this.reload();
  }

  showPanel(panel: Panel): void {
    this.state.panel = panel;
    this.panelScroll = 0;
    this.render();
  }

  notice(text: string, kind: NoteKind = 'info'): void {
    this.state.notice = { text, kind };
    this.render();
  }

  ask(question: string, onYes: () => Promise<void>): void {
    this.question = { text: question, onYes };
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
    return this.layout().body.w;
  }

  /** Logs out (BYE on the LAN, goodbye to the relay) and resolves `done`. Idempotent. */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      this.notice('logging out…');
      for (const off of this.unsubscribe) off();
      this.own.stop();
      if (this.saveTimer !== null) this.clock.clearTimeout(this.saveTimer);
      this.options.save?.(this.state.snapshot());
      try {
        await withTimeout(this.core.logout(), this.options.logoutTimeoutMs ?? 5_000);
      } catch (err) {
        this.log.warn('logout failed', { code: describeError(err).code });
      }
      this.resolveDone();
    })();
    return this.quitting;
  }

  // -- input -------------------------------------------------------------------

  private onKey(key: KeyPress): void {
    if (this.quitting) return;
    this.own.activity();
    const action = actionFor(key, {
      inputEmpty: this.editor.text.length === 0,
      completing: this.completer.active,
    });
    if (action.type !== 'complete') this.completer.reset();
    dispatch(action, this);
    this.render();
  }

  private onPaste(text: string): void {
    if (this.quitting) return;
    this.own.activity();
    this.completer.reset();
    this.editor.insert(text);
    this.render();
  }

  // -- KeyTarget: what keys do (dispatch.ts) ---------------------------------

  complete(direction: 1 | -1): void {
    const hint = this.completer.step(this.editor, this.state.names(), direction);
    if (hint !== null) this.state.notice = { text: hint, kind: 'info' };
  }

  switchBy(delta: 1 | -1): void {
    this.state.cycle(delta);
    this.afterSwitch();
  }

  switchTo(index: number): void {
    if (this.state.activateIndex(index)) this.afterSwitch();
  }

  escape(): void {
    if (this.question) this.question = null;
    else if (this.state.panel) this.state.panel = null;
    this.state.notice = null;
  }

  submit(): void {
    const text = this.editor.submit();
    const question = this.question;
    if (question !== null) {
      this.question = null;
      this.state.panel = null;
      if (/^\s*y(es)?\s*$/i.test(text)) this.track(this.guard(question.onYes()));
      else this.notice('nothing changed');
      return;
    }
    if (text.trim().length === 0) return;
    const parsed = parseInput(text);
    if (!parsed.ok) {
      this.notice(parsed.error, 'error');
      return;
    }
    this.state.notice = null;
    this.track(this.guard(runCommand(parsed.command, this)));
  }

  scroll(pages: 1 | -1): void {
    const page = Math.max(1, this.layout().body.h - 1);
    if (this.state.panel) this.panelScroll = Math.max(0, this.panelScroll - pages * page);
    else if (this.view.scrollBy(pages, page)) this.track(this.reload());
  }

  private afterSwitch(): void {
    // A question belongs to the panel it came with, which switching closed.
    this.question = null;
    this.view.reset();
    this.scheduleSave();
    this.track(this.reload());
  }

  private connect(): void {
    this.waitingForRelay = false;
    const ready = () => {
      // Ready before we subscribed (a first run registers before the screen opens).
      if (this.state.connection.state === 'ready') return;
      this.state.connection = { ...this.state.connection, state: 'ready' };
      this.render();
    };
    const failed = (err: unknown) => {
      const { code, message } = describeError(err);
      this.log.warn('connect failed', { code });
      if (code === 'E_NO_RELAY') this.waitingForRelay = true;
      if (code === 'E_RELAY_TIMEOUT') this.notice('relay not reachable yet; still trying', 'warn');
      else this.notice(`${message} (${code})`, 'error');
    };
    this.track(this.core.connect({ timeoutMs: CONNECT_TIMEOUT_MS }).then(ready, failed));
  }

  // -- loading and drawing -------------------------------------------------------

  /** Contacts with history become conversations, most recent first. */
  private async discoverConversations(): Promise<void> {
    const found: { name: string; lastMs: number }[] = [];
    for (const c of this.core.contacts()) {
      const last = (await this.core.conversation(c.pseudonym, 1))[0];
      if (last !== undefined) found.push({ name: c.pseudonym, lastMs: entryTime(last) });
    }
    found.sort((a, b) => b.lastMs - a.lastMs);
    for (const f of found) this.state.ensure(f.name).lastMs = f.lastMs;
  }

  private async reload(): Promise<void> {
    const conv = this.state.active();
    if (conv === undefined) return;
    const fresh = await this.view.load(
      (limit) => this.core.conversation(conv.name, limit),
      () => this.state.activeId === conv.id,
    );
    if (fresh) this.render();
  }

  render(): void {
    const layout = this.layout();
    const lines = this.currentLines(layout.body.w);
    const panel = this.state.panel !== null;
    if (!panel) this.view.follow(lines.length);
    const out = paintScreen(layout.cols, layout.rows, {
      state: this.state,
      lines,
      scroll: panel ? this.panelScroll : this.view.scroll,
      editor: this.editor,
      prompt: this.prompt(),
      sidebarCols: this.settings.sidebarWidth,
    });
    if (panel) this.panelScroll = out.scroll;
    else this.view.scroll = out.scroll;
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
    if (conv)
      return conversationLines(this.view.entries, conv.notes, { me: s.me.pseudonym, width });
    return welcomeLines(s.me.pseudonym, s.me.fingerprint, width);
  }

  private prompt(): string {
    if (this.question) return `${this.question.text} `;
    const conv = this.state.active();
    return conv ? `${truncate(sanitize(conv.name), 16)}> ` : '> ';
  }

  private scheduleSave(): void {
    const save = this.options.save;
    if (save === undefined || this.saveTimer !== null || this.quitting) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = null;
      save(this.state.snapshot());
    }, SAVE_DELAY_MS);
  }

  /** A command's failure becomes a notice, never an unhandled rejection. */
  private async guard(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (err) {
      const { code, message } = describeError(err);
      this.notice(`${message} (${code})`, 'error');
    }
  }

  /** Background work: awaited by settled(), failures logged (codes only). */
  private track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) => {
      this.log.warn('background task failed', { code: describeError(err).code });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
