/**
 * What the chat screen knows, driven by the core's events: conversations and their unread
 * counts, who is online, contacts' trust, the connection, the user's own status. Pure: no
 * I/O, no timers, no blessed; app.ts feeds it.
 */
import type {
  ConnectionState,
  ConversationId,
  ConversationKind,
  GroupInfo,
  HistoryEntry,
  PresenceStatus,
  ReceivedMessage,
  RelayInfo,
} from '../index.js';
import { isConversationId } from '../index.js';
import { ClosedConversations, type ClosedEntry } from './closed.js';
import { FileBook } from './file-book.js';
import type { Span } from './grid.js';
import { GroupBook } from './group-book.js';
import { compareNames, People } from './people.js';
import { conversationIdOf, findMentions, nameKey } from './text.js';

export { compareNames } from './people.js';

export type NoteKind = 'info' | 'warn' | 'error';

/** A line the screen adds to a conversation (joins, leaves, key changes): never stored by the core. */
export interface Note {
  atMs: number;
  text: string;
  kind: NoteKind;
}

export interface Conversation {
  /** The core's conversation id ('@' + the name's key for a 1:1 chat, '#' + hex for a group). */
  id: ConversationId;
  kind: ConversationKind;
  /**
   * The other party's pseudonym as they spell it, or the group's name without '#'
   * (peer text: sanitise to show; labelOf() gives what the screen shows).
   */
  name: string;
  unread: number;
  /** An unread message mentions the user by name. */
  mentioned: boolean;
  lastMs: number;
  notes: Note[];
  /** Unread when it was last opened: the "new messages" line goes above them. */
  unreadAtOpen: number;
}

/** A full-pane view replacing the conversation until Esc: help, /who, /search, /verify. */
export interface Panel {
  title: string;
  lines: Span[][];
}

/** What survives a restart (ui-state.json): the conversation list, unread counts, /close. */
export interface SavedState {
  conversations: { id: string; name: string; unread: number; mentioned: boolean }[];
  active: string | null;
  closed: ClosedEntry[];
}

/** Notes kept per conversation; older ones scroll away for good. */
export const MAX_NOTES_PER_CONVERSATION = 200;

export class ChatState extends People {
  readonly conversations: Conversation[] = [];
  /** What /close took off the list, kept off it at the next start (closed.ts). */
  readonly closed = new ClosedConversations();
  activeId: ConversationId | null = null;
  /** ChatApp.start before the first draw: nothing is seen as it arrives. */
  starting = false;
  panel: Panel | null = null;
  /** The notice line; a sticky one stays until Esc or the next (notice.ts). */
  notice: { text: string; kind: NoteKind; sticky?: boolean } | null = null;
  connection: { state: ConnectionState; relay?: RelayInfo } = { state: 'connecting' };
  discoveredRelay: string | null = null;
  /** The relay answered with another key and the connection gave up (connector.ts); null once ready. */
  relayRefusal: { code: string; message: string } | null = null;
  ownStatus: PresenceStatus = 'online';
  ownStatusText = '';
  /** The current 'away' was set by the idle timer, not the user. */
  autoAway = false;
  /** The last /search's hits, numbered as shown (for /open N): where, and where in the text. */
  lastSearch: readonly {
    id: ConversationId;
    name: string;
    msgId: string;
    at: number;
    entry: HistoryEntry;
  }[] = [];
  /** The groups, as the core last described them; each has a conversation here. */
  readonly groups = new GroupBook();
  /** Files offered to the user and transfers in progress (issue 12). */
  readonly files = new FileBook();

  // -- conversations ---------------------------------------------------------

  get(id: string): Conversation | undefined {
    return this.conversations.find((c) => c.id === id);
  }

  /**
   * The conversation `id` (by default the 1:1 chat with `name`), created at the end
   * of the list if new. A group's is named by the group when known, else `name`.
   */
  ensure(name: string, id: ConversationId = conversationIdOf(name)): Conversation {
    let conv = this.get(id);
    if (conv === undefined) {
      const kind: ConversationKind = id.startsWith('#') ? 'group' : 'direct';
      const label = kind === 'group' ? (this.groups.get(id)?.name ?? name) : name;
      conv = {
        id,
        kind,
        name: label,
        unread: 0,
        mentioned: false,
        lastMs: 0,
        notes: [],
        unreadAtOpen: 0,
      };
      this.conversations.push(conv);
      this.closed.reopened(id);
    }
    return conv;
  }

  /** A group as the core describes it: its conversation created or renamed (unread 0 once left). */
  setGroup(info: GroupInfo): Conversation {
    this.groups.set(info);
    const conv = this.ensure(info.name, info.conversation);
    conv.name = info.name;
    // Nothing to read in a group I am not in (a trial's left groups kept 9 unread).
    if (info.myRole === null) Object.assign(conv, { unread: 0, mentioned: false });
    return conv;
  }

  active(): Conversation | undefined {
    return this.activeId === null ? undefined : this.get(this.activeId);
  }

  /** Shows a conversation: closes any panel and marks it read. */
  activate(id: string): void {
    const conv = this.get(id);
    if (conv === undefined) return;
    this.activeId = conv.id;
    this.panel = null;
    conv.unreadAtOpen = conv.unread;
    conv.unread = 0;
    conv.mentioned = false;
  }

  /** Esc on a panel: the conversation under it is on screen again, what came meanwhile read. */
  closePanel(): void {
    this.panel = null;
    const conv = this.active();
    if (conv === undefined || conv.unread === 0) return;
    conv.unreadAtOpen = conv.unread;
    conv.unread = 0;
    conv.mentioned = false;
  }

  /**
   * /close: the conversation leaves the list (its history stays in the store, and
   * a new message brings it back). The next one in the list is shown, else the
   * previous one, else none. False if there is no such conversation. `remember` false: not
   * kept as closed (a hidden group, which no message brings back).
   */
  close(id: string, remember = true): boolean {
    const at = this.conversations.findIndex((c) => c.id === id);
    if (at === -1) return false;
    const [gone] = this.conversations.splice(at, 1);
    if (gone !== undefined && remember) this.closed.close(gone.id, gone.lastMs);
    if (this.activeId === id) {
      this.activeId = null;
      const next = this.conversations[at] ?? this.conversations[at - 1];
      if (next !== undefined) this.activate(next.id);
    }
    return true;
  }

  /** Tab / Shift-Tab: the next or previous conversation, wrapping around. */
  cycle(delta: number): void {
    const n = this.conversations.length;
    if (n === 0) return;
    const at = this.conversations.findIndex((c) => c.id === this.activeId);
    const next = at === -1 ? (delta > 0 ? 0 : n - 1) : (((at + delta) % n) + n) % n;
    this.activate(this.conversations[next]!.id);
  }

  /** Alt-1..9: the n-th conversation (1-based); false if there is none. */
  activateIndex(n: number): boolean {
    const conv = this.conversations[n - 1];
    if (conv === undefined) return false;
    this.activate(conv.id);
    return true;
  }

  /** True when new messages in `id` are seen as they arrive. */
  isOnScreen(id: string): boolean {
    return !this.starting && this.activeId === id && this.panel === null;
  }

  /** A message arrived: counts it as unread unless its conversation is on screen. */
  received(m: ReceivedMessage): {
    onScreen: boolean;
    mention: boolean;
    conversation: Conversation;
  } {
    const conv = this.ensure(m.group?.name ?? m.from.pseudonym, m.conversation);
    // A group keeps the name its changes gave it; a 1:1 chat takes the sender's spelling.
    if (conv.kind === 'direct') conv.name = m.from.pseudonym;
    conv.lastMs = Math.max(conv.lastMs, m.receivedAtMs);
    const onScreen = this.isOnScreen(conv.id);
    // In a group only '@name' calls someone; in a 1:1 chat the name alone does.
    const mention = mentions(
      m.text,
      conv.kind === 'group' ? `@${this.me.pseudonym}` : this.me.pseudonym,
    );
    if (!onScreen && this.groups.get(conv.id)?.myRole !== null) {
      conv.unread++;
      if (mention) conv.mentioned = true;
    }
    return { onScreen, mention, conversation: conv };
  }

  note(id: string, note: Note): void {
    const conv = this.get(id);
    if (conv === undefined) return;
    conv.notes.push(note);
    if (conv.notes.length > MAX_NOTES_PER_CONVERSATION) conv.notes.shift();
  }

  totalUnread(): number {
    return this.conversations.reduce((sum, c) => sum + c.unread, 0);
  }

  snapshot(): SavedState {
    return {
      conversations: this.conversations.map(({ id, name, unread, mentioned }) => ({
        id,
        name,
        unread,
        mentioned,
      })),
      active: this.activeId,
      closed: this.closed.snapshot(),
    };
  }

  /**
   * Puts back a saved list (before anything else is added). 1:1 ids are recomputed
   * from names; a group keeps its id (its name is refreshed from the core).
   */
  restore(saved: SavedState): void {
    for (const s of saved.conversations) {
      const conv =
        s.id.startsWith('#') && isConversationId(s.id)
          ? this.ensure(s.name, s.id)
          : this.ensure(s.name);
      conv.unread += s.unread;
      conv.mentioned ||= s.mentioned;
    }
    this.closed.restore(saved.closed);
    const active = saved.active === null ? undefined : this.get(saved.active);
    if (active) this.activeId = active.id;
  }

  /** Every name the user might mean: online peers, contacts, conversations (for Tab). */
  names(): string[] {
    const byKey = new Map<string, string>();
    const add = (n: string) => {
      if (!byKey.has(nameKey(n)) && nameKey(n) !== nameKey(this.me.pseudonym))
        byKey.set(nameKey(n), n);
    };
    this.knownNames(add);
    for (const c of this.conversations) if (c.kind === 'direct') add(c.name);
    return [...byKey.values()].sort(compareNames);
  }

  /** Tab's names in the conversation `id`: a group's members (not me); undefined for a 1:1 chat. */
  members(id: string | null): string[] | undefined {
    const conv = id === null ? undefined : this.get(id);
    if (conv?.kind !== 'group') return undefined;
    return this.groups.memberNames(conv.id, this.me.pseudonym).sort(compareNames);
  }
}

/** What the screen calls a conversation: the peer's name, or '#' and the group's name (unsanitised). */
export function labelOf(conv: Pick<Conversation, 'kind' | 'name'>): string {
  return conv.kind === 'group' ? `#${conv.name}` : conv.name;
}

/** True if `text` mentions `name` as a word, case-insensitively. */
export function mentions(text: string, name: string): boolean {
  return findMentions(text, name).length > 0;
}
