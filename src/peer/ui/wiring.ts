/**
 * The core's events, turned into screen updates. One subscription per event,
 * all undone by the returned function list (at quit).
 */
import type { PeerEventMap } from '../index.js';
import type { ChatCore } from './core.js';
import type { ChatState, NoteKind } from './state.js';
import { conversationIdOf, sanitize } from './text.js';

/** What the wiring needs from the app. */
export interface EventHost {
  readonly state: ChatState;
  messageReceived(m: PeerEventMap['message:received']): void;
  /** A delivery was dropped as damaged or forged: show the reports not shown yet. */
  damagedReported(): void;
  historyChanged(conversation: string): void;
  /** A note in a conversation (null: none), optionally also in the notice line. */
  note(conversation: string | null, text: string, kind?: NoteKind, alsoNotice?: boolean): void;
  render(): void;
  /** A relay beacon was seen: connect if we were waiting for one. */
  relayDiscovered(): void;
}

export function wireEvents(core: ChatCore, app: EventHost): (() => void)[] {
  const s = app.state;
  /** The conversation with `name`, if there is one. */
  const convOf = (name: string) => s.get(conversationIdOf(name))?.id ?? null;
  /**
   * The refusal last shown per conversation: a full relay refuses every retry,
   * and one note per cause is enough until something gets through.
   */
  const refusedShown = new Map<string, string>();
  return [
    core.on('message:received', (m) => app.messageReceived(m)),
    core.on('message:status', (e) => {
      if (e.state !== 'queued') refusedShown.delete(e.conversation);
      app.historyChanged(e.conversation);
    }),
    core.on('message:damaged', () => app.damagedReported()),
    core.on('message:refused', (e) => {
      if (refusedShown.get(e.conversation) === e.code) return;
      refusedShown.set(e.conversation, e.code);
      app.note(
        s.get(e.conversation)?.id ?? null,
        `the relay refused a message for now: ${e.message} (${e.code}). It stays queued and is retried`,
        'warn',
        true,
      );
    }),
    core.on('message:released', (e) => {
      app.historyChanged(e.conversation);
      app.note(e.conversation, `${e.count} held message(s) released`);
    }),
    core.on('message:held', (e) => {
      const who = sanitize(e.from.pseudonym);
      s.ensure(e.from.pseudonym, e.conversation);
      app.note(
        e.conversation,
        `a message from ${who} is held: their key changed. Compare safety numbers (/verify ${who}), then /trust ${who}`,
        'warn',
        true,
      );
    }),
    core.on('contact:new', (c) => {
      s.contactUpdate(c);
      app.render();
    }),
    core.on('contact:trusted', (c) => {
      s.contactUpdate(c);
      app.note(
        convOf(c.pseudonym),
        `${sanitize(c.pseudonym)} is ${c.verified ? 'verified ✓' : 'trusted'}`,
      );
    }),
    core.on('contact:key-changed', (e) => {
      const who = sanitize(e.pseudonym);
      s.keyChanged(e.pseudonym);
      const conv = s.ensure(e.pseudonym).id;
      app.note(
        conv,
        `${who}'s KEY CHANGED (${e.oldFingerprint} → ${e.newFingerprint}). Messages are held: /verify ${who}, then /trust ${who}`,
        'error',
        true,
      );
    }),
    core.on('connection:state', (e) => {
      s.connection = { state: e.state, ...(e.relay ? { relay: e.relay } : {}) };
      app.render();
    }),
    core.on('error', (e) =>
      app.note(null, `${e.message} (${e.code})`, e.fatal ? 'error' : 'warn', true),
    ),
    core.on('roster:change', (e) => {
      const before = s.onlinePeer(e.peer.pseudonym);
      s.roster(e);
      const who = sanitize(e.peer.pseudonym);
      const conv = convOf(e.peer.pseudonym);
      if (e.type === 'join' && before === undefined) {
        app.note(conv, `${who} is online`, 'info', conv === null || s.activeId !== conv);
      } else if (e.type === 'leave') {
        const why = leaveReason(e.reason);
        app.note(conv, `${who} ${why}`, 'info', conv === null || s.activeId !== conv);
      } else if (before?.status !== e.peer.status || before?.statusText !== e.peer.statusText) {
        const text = sanitize(e.peer.statusText);
        app.note(conv, `${who} is ${e.peer.status}${text ? `: ${text}` : ''}`);
      } else {
        app.render();
      }
    }),
    core.on('roster:conflict', (e) =>
      app.note(
        convOf(e.pseudonym),
        `someone on the LAN claims to be ${sanitize(e.pseudonym)} with another key (${e.claimedFingerprint}); not shown`,
        'warn',
        true,
      ),
    ),
    // Our status may change from another terminal (`natter status` via the control socket).
    core.on('presence:self', (e) => {
      if (s.ownStatus === e.status && s.ownStatusText === e.statusText) return;
      Object.assign(s, { ownStatus: e.status, ownStatusText: e.statusText });
      if (e.status !== 'away') s.autoAway = false;
      app.render();
    }),
    core.on('relay:discovered', (e) => {
      s.discoveredRelay = e.address;
      app.relayDiscovered();
      app.render();
    }),
  ];
}

/** 'bye' (they quit) and 'relay-gone' (they logged out of the relay) both read as leaving. */
function leaveReason(reason: string | undefined): string {
  if (reason === undefined || reason === 'bye' || reason === 'relay-gone') return 'left';
  if (reason === 'expired') return 'went away (no heartbeat)';
  return `left (${sanitize(reason)})`;
}
