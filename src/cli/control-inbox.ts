/**
 * `natter inbox` through the running client (issue 13 item 3), the running
 * client's side. The command pulls, so that a message is marked read only once
 * its line was written (issue 13 item 1), as when it runs alone:
 *
 *   inbox.take            -> the unread messages and membership changes, in order,
 *                            with the key changes and held messages seen since the
 *                            last take, and a mark (how many events so far)
 *   inbox.read {marks}    -> marks those it printed read; then (reports: true) takes
 *                            the damaged-delivery and numbering reports
 *   inbox.wait {after}    -> answers once something arrived after that mark (--follow)
 *
 * A batch also says what the running client last heard of the relay's mail store
 * (`store`, its 'relay:store' events, kept from the socket's start): the command says
 * "cannot reach its mail store" and exits 1 as it does alone, not "no new messages"
 * (docs/decisions.md, "The store's state through a running client"). A change wakes
 * inbox.wait. An older running client sends no `store`: the command cannot know, and
 * prints what it always did. An older command ignores the field. The same for the
 * running client's connection to the relay (`relay`: its states since the last take, the
 * first take the state of now), so `inbox --follow` says the relay's loss and return as
 * alone (relay-watch.ts).
 *
 * A chat takes every message as it shows it (it marks them read), so beside a chat
 * few stay unread: from its first take on, a connection also gets every message
 * that arrives while it is open, taken by the chat or not, so `inbox --follow`
 * beside a chat prints each new message, as when it runs alone.
 */
import type {
  ConnectionState,
  ConversationNotice,
  DamagedMessage,
  GroupUpdate,
  PeerEventMap,
  ReceivedMessage,
} from '../peer/index.js';
import type { ControlSession } from './control.js';
import type { ControlTarget } from './control-ops.js';

/** What a remote inbox prints on stderr as it happens (inbox.ts says the same). */
export type InboxAlert =
  | ({ kind: 'key-changed' } & PeerEventMap['contact:key-changed'])
  | ({ kind: 'held' } & PeerEventMap['message:held']);

/** One line of the inbox, in the order things became durable here. */
export type InboxItem = { message: ReceivedMessage; unreadMark?: string } | { update: GroupUpdate };

/** What the running client last heard of the relay's mail store. */
export type StoreView = PeerEventMap['relay:store'];

export interface InboxBatch {
  items: InboxItem[];
  alerts: InboxAlert[];
  /** Events seen so far on this connection: inbox.wait {after: mark} waits for the next. */
  mark: number;
  /** My pseudonym: membership changes name me as "you". */
  me: string;
  /** The relay's mail store as last heard; absent from a running client older than it. */
  store?: StoreView;
  /**
   * The running client's connection states since the last take, in order (the first take:
   * the state then); absent from a running client older than it.
   */
  relay?: ConnectionState[];
}

export interface InboxReports {
  damaged: DamagedMessage[];
  notices: ConversationNotice[];
}

/** Alerts and live messages kept for one connection before its next take. */
const MAX_KEPT = 10_000;

/** What one connection has seen since its first take. */
class InboxWatch {
  events = 0;
  readonly live = new Map<string, ReceivedMessage>();
  /**
   * Messages already handed to this connection, latest MAX_KEPT: a message read as
   * unread by one take can have its event fire just after, and was printed twice by
   * `inbox --follow` beside a chat (3 in 300, a new-user trial).
   */
  private readonly handed = new Set<string>();
  alerts: InboxAlert[] = [];
  /** Connection states not yet taken, oldest first. */
  relay: ConnectionState[];
  private wake: (() => void) | null = null;

  constructor(target: ControlTarget, session: ControlSession) {
    this.relay = [relayStates.get(target) ?? 'offline'];
    const bump = () => {
      this.events++;
      this.wake?.();
    };
    const offs = [
      target.on('message:received', (m) => {
        if (this.live.size < MAX_KEPT && !this.handed.has(m.msgId)) this.live.set(m.msgId, m);
        bump();
      }),
      target.on('message:damaged', bump),
      target.on('conversation:notice', bump),
      target.on('group:changed', bump),
      target.on('group:warning', bump),
      target.on('contact:key-changed', (e) => this.alert({ kind: 'key-changed', ...e }, bump)),
      target.on('message:held', (e) => this.alert({ kind: 'held', ...e }, bump)),
      target.on('relay:store', bump),
      target.on('connection:state', ({ state }) => {
        if (this.relay.length < MAX_KEPT) this.relay.push(state);
        bump();
      }),
    ];
    session.onClose(() => {
      for (const off of offs) off();
      this.wake?.();
    });
  }

  /** Resolves once an event after `after` was seen, or the connection closed. */
  until(after: number): Promise<void> {
    if (this.events > after) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }

  /** Whether `msgId` goes out in this take: false if an earlier take handed it out. */
  hand(msgId: string): boolean {
    if (this.handed.has(msgId)) return false;
    this.handed.add(msgId);
    if (this.handed.size > MAX_KEPT) {
      for (const oldest of this.handed) {
        this.handed.delete(oldest);
        break;
      }
    }
    return true;
  }

  private alert(a: InboxAlert, bump: () => void): void {
    if (this.alerts.length < MAX_KEPT) this.alerts.push(a);
    bump();
  }
}

const watches = new WeakMap<ControlSession, InboxWatch>();

/** Each served client's mail store as last heard ('relay:store'), from watchStore on. */
const stores = new WeakMap<ControlTarget, StoreView>();
/** Each served client's connection state as last heard ('connection:state'), from watchStore on. */
const relayStates = new WeakMap<ControlTarget, ConnectionState>();

/**
 * Keeps what `target` hears of the relay's mail store and of its connection to the relay,
 * for every batch: called when its
 * socket starts serving, before the client first connects (context.ts), so no change
 * is missed; a connection opened later still gets the state of now.
 */
export function watchStore(target: ControlTarget): void {
  if (stores.has(target)) return;
  stores.set(target, { reachable: true });
  target.on('relay:store', (e) => stores.set(target, e));
  target.on('connection:state', ({ state }) => relayStates.set(target, state));
}

function watchOf(target: ControlTarget, session: ControlSession): InboxWatch {
  let w = watches.get(session);
  if (w === undefined) {
    w = new InboxWatch(target, session);
    watches.set(session, w);
  }
  return w;
}

export async function inboxTake(
  target: ControlTarget,
  session: ControlSession,
): Promise<InboxBatch> {
  const w = watchOf(target, session);
  // Counted before reading: an event during the reads wakes the next wait at once.
  const mark = w.events;
  const live = [...w.live.values()];
  w.live.clear();
  const alerts = w.alerts.splice(0);
  const relay = w.relay.splice(0);
  const unread = await target.unread();
  const byId = new Map<string, { atMs: number; item: InboxItem }>();
  for (const m of live) byId.set(m.msgId, { atMs: m.receivedAtMs, item: { message: m } });
  // Still unread: the same message, with what marks it read.
  for (const { unreadMark, ...m } of unread) {
    byId.set(m.msgId, { atMs: m.receivedAtMs, item: { message: m, unreadMark } });
  }
  const updates = (await target.takeGroupUpdates()).map((update) => ({
    atMs: update.atMs,
    item: { update },
  }));
  for (const [msgId, entry] of byId) {
    // Still unread (the command marks it read after printing it): it may come again.
    if (!w.hand(msgId) && !('message' in entry.item && entry.item.unreadMark)) byId.delete(msgId);
  }
  const items = [...byId.values(), ...updates].sort((a, b) => a.atMs - b.atMs).map((x) => x.item);
  const store = stores.get(target) ?? { reachable: true };
  return { items, alerts, mark, me: target.me.pseudonym, store, relay };
}

export async function inboxRead(
  target: ControlTarget,
  marks: string[],
  reports: boolean,
): Promise<InboxReports> {
  await target.markRead(marks.map((unreadMark) => ({ unreadMark })));
  if (!reports) return { damaged: [], notices: [] };
  return { damaged: await target.takeDamaged(), notices: await target.takeNotices() };
}

export async function inboxWait(session: ControlSession, after: number): Promise<{ mark: number }> {
  const w = watches.get(session);
  if (w === undefined) return { mark: after };
  await w.until(after);
  return { mark: w.events };
}
