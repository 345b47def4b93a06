/**
 * What the core's events do to the screen, from their payloads: nothing here
 * reads the core back, except taking damaged reports (takeDamaged). One
 * subscription per event, all undone by the returned function list (at quit).
 */
import { conflictWords, type PeerEventMap } from '../index.js';
import { staleQuestion } from './commands/delete-history.js';
import { note, showStore, takeDamaged, takeNotices, takePruned } from './notes.js';
import { desktopNotification, notificationFor } from './notify.js';
import type { ScreenParts } from './parts.js';
import { labelOf } from './state.js';
import { conversationIdOf, nameKey, sanitize } from './text.js';

export function wireEvents(p: ScreenParts): (() => void)[] {
  const { core, state: s } = p;
  /** The conversation with `name`, if there is one. */
  const convOf = (name: string) => s.get(conversationIdOf(name))?.id ?? null;
  /**
   * Peers the roster lost with our own relay link (reason 'link-lost'): they did not
   * leave, we lost sight of them (the status bar says the relay is offline); neither that
   * nor their coming back when the link returns is a note of its own (a new-user trial
   * read "* alice left", "* alice is online" in every conversation after an outage).
   * One who really left meanwhile gets no "is online" note the next time they come.
   */
  const lostWithRelay = new Set<string>();
  /**
   * The refusal last shown per conversation: a full relay refuses every retry,
   * and one note per cause is enough until something gets through.
   */
  /** Conversations the list gained for a message queued by someone else (a script). */
  const madeFor = new Set<string>();
  /** Contacts seen under a new name whose card the core was asked to check, once each. */
  const renameAsked = new Set<string>();
  const refusedShown = new Map<string, string>();
  takePruned(p); // what a pass took before the screen subscribed (the one at open)
  return [
    core.on('history:pruned', () => takePruned(p)),
    core.on('message:received', (m) => showReceived(p, m)),
    core.on('message:queued', (e) => {
      const known = s.get(e.conversation);
      const conv = known ?? (e.to === undefined ? undefined : s.ensure(e.to));
      if (known === undefined && conv !== undefined) madeFor.add(conv.id);
      if (conv !== undefined) conv.lastMs = Math.max(conv.lastMs, p.clock.now());
      p.saver.schedule();
      p.conversation.queued(e);
      p.render();
    }),
    core.on('message:status', (e) => {
      if (e.state !== 'queued') refusedShown.delete(e.conversation);
      // A script's message to a name nobody has (natter send --to zed, through this chat):
      // the core forgets it, and the conversation its queueing added goes with it (a trial
      // found `zed?` left in the list, and after a restart).
      if (madeFor.delete(e.conversation) && e.reason === 'unknown-recipient') {
        if (s.activeId !== e.conversation) s.close(e.conversation);
        // Drawn at once: a trial saw `zed?` stay on screen until a key redrew it.
        p.saver.schedule();
        p.render();
      }
      p.conversation.outgoing(e);
    }),
    core.on('message:damaged', () => takeDamaged(p)),
    core.on('history:deleted', (e) => {
      const stale = staleQuestion((t) => p.input.withdraw(t), e, s.get(e.conversation));
      if (stale !== null) s.notice = { text: stale, kind: 'warn' };
      p.conversation.deleted(e);
      p.saver.schedule();
      p.render();
    }),
    core.on('history:moved', (e) => {
      p.conversation.moved(e);
      p.saver.schedule();
      p.render();
    }),
    core.on('conversation:notice', () => takeNotices(p)),
    core.on('message:refused', (e) => {
      if (refusedShown.get(e.conversation) === e.code) return;
      refusedShown.set(e.conversation, e.code);
      note(
        p,
        s.get(e.conversation)?.id ?? null,
        `the relay refused a message for now: ${e.message} (${e.code}). It stays queued and is retried`,
        'warn',
        true,
      );
    }),
    // The released messages themselves came just before, each as a message:received.
    core.on('message:released', (e) =>
      note(p, e.conversation, `${e.count} held message(s) released`),
    ),
    core.on('message:held', (e) => {
      const who = sanitize(e.from.pseudonym);
      s.ensure(e.from.pseudonym, e.conversation);
      note(
        p,
        e.conversation,
        `a message from ${who} is held: their key changed. Compare safety numbers (/verify ${who}), then /trust ${who}`,
        'warn',
        true,
      );
    }),
    core.on('contact:new', (c) => {
      s.contactUpdate(c);
      p.render();
    }),
    // A block (here, or `natter block` beside this chat): marked, and nothing of theirs unread.
    core.on('contact:blocked', (c) => {
      s.contactUpdate(c);
      const conv = s.get(conversationIdOf(c.pseudonym));
      if (c.blocked && conv !== undefined) Object.assign(conv, { unread: 0, mentioned: false });
      p.saver.schedule();
      p.render();
    }),
    core.on('contact:trusted', (c) => {
      s.contactUpdate(c);
      note(
        p,
        convOf(c.pseudonym),
        `${sanitize(c.pseudonym)} is ${c.verified ? 'verified ✓' : 'trusted'}`,
      );
    }),
    // In the old conversation (kept, under the old name) and in the new one.
    core.on('contact:renamed', (e) => {
      s.contactRenamed(e.from, e.contact);
      const [from, to] = [sanitize(e.from), sanitize(e.to)];
      const old = convOf(e.from);
      if (old !== null) note(p, old, `${from} is now called ${to}: /msg ${to}`);
      note(
        p,
        s.ensure(e.to).id,
        `${to} was called ${from} (the same key${e.contact.verified ? ', verified ✓' : ''})`,
      );
    }),
    core.on('contact:key-changed', (e) => {
      const who = sanitize(e.pseudonym);
      s.keyChanged(e.pseudonym);
      const conv = s.ensure(e.pseudonym).id;
      // Every change is told, a second one while the first is pending included (issue 10).
      const text =
        e.pendingKeys > 1
          ? `ANOTHER new key for ${who} (${e.newFingerprint}): ${e.pendingKeys} new keys wait, at most one is really theirs. Messages stay held: /verify ${who}`
          : `${who}'s KEY CHANGED (${e.oldFingerprint} → ${e.newFingerprint}). Messages are held: compare safety numbers with /verify ${who}`;
      note(p, conv, text, 'error', true);
    }),
    core.on('connection:state', (e) => {
      s.connection = { state: e.state, ...(e.relay ? { relay: e.relay } : {}) };
      if (e.state === 'ready' && s.relayRefusal !== null) {
        // After "no relay heard" (connector.ts notFound) this is the first connection.
        const first =
          s.relayRefusal.code === 'E_NO_RELAY' || s.relayRefusal.code === 'E_SEVERAL_RELAYS';
        s.relayRefusal = null;
        s.notice = {
          text: first ? 'connected to the relay' : 'connected to the relay again',
          kind: 'info',
        };
      }
      p.render();
    }),
    core.on('relay:store', (e) => showStore(p, e)),
    core.on('error', (e) => {
      if (!e.fatal) {
        note(p, null, `${e.message} (${e.code})`, 'warn', true);
        return;
      }
      // In full in the conversation on screen, once (the retries meet it again).
      if (s.relayRefusal?.code !== e.code) note(p, s.activeId, `${e.message} (${e.code})`, 'error');
      p.connector.gaveUp(e);
    }),
    core.on('roster:change', (e) => {
      const before = s.onlinePeer(e.peer.pseudonym);
      s.roster(e);
      // A contact back under a new name (`natter rename` while this chat ran): the core
      // checks the new name's card and says contact:renamed (a trial's group kept `bob`).
      const asked = `${e.peer.userId} ${nameKey(e.peer.pseudonym)}`;
      if (e.type !== 'leave' && s.renamedAs(e.peer) !== undefined && !renameAsked.has(asked)) {
        renameAsked.add(asked);
        p.tasks.track(core.findUser(e.peer.pseudonym));
      }
      const who = sanitize(e.peer.pseudonym);
      const conv = convOf(e.peer.pseudonym);
      const key = nameKey(e.peer.pseudonym);
      if (e.type === 'leave' && e.reason === 'link-lost') {
        lostWithRelay.add(key);
        p.render();
      } else if (e.type === 'join' && lostWithRelay.delete(key)) {
        p.render();
      } else if (e.type === 'join' && before === undefined) {
        note(p, conv, `${who} is online`, 'info', conv === null || s.activeId !== conv);
      } else if (e.type === 'leave') {
        const why = leaveReason(e.reason);
        note(p, conv, `${who} ${why}`, 'info', conv === null || s.activeId !== conv);
      } else if (before?.status !== e.peer.status || before?.statusText !== e.peer.statusText) {
        const text = sanitize(e.peer.statusText);
        note(p, conv, `${who} is ${e.peer.status}${text ? `: ${text}` : ''}`);
      } else {
        p.render();
      }
    }),
    core.on('roster:conflict', (e) =>
      note(p, convOf(e.pseudonym), conflictWords(e, sanitize(e.pseudonym)), 'warn', true),
    ),
    // Our status may change from another terminal (`natter status` via the control socket).
    core.on('presence:self', (e) => {
      if (s.ownStatus === e.status && s.ownStatusText === e.statusText) return;
      Object.assign(s, { ownStatus: e.status, ownStatusText: e.statusText });
      if (e.status !== 'away') s.autoAway = false;
      p.render();
    }),
    core.on('relay:discovered', (e) => {
      s.discoveredRelay = e.address;
      p.connector.relayDiscovered();
      p.render();
    }),
  ];
}

/**
 * A message to show: added to the open conversation if it is that one, announced by bell
 * or desktop notification as the settings and the user's status say, and counted unread
 * (unless its conversation is on screen) when it is taken: takeUnread hands each message
 * out once, so one the start's take counted is not counted again by its event (a trial
 * saw 4 unread for 2 messages of a catch-up that ran while the chat started). `quiet`:
 * one from before the screen opened (taken at start), counted only.
 */
export function showReceived(
  p: ScreenParts,
  m: PeerEventMap['message:received'],
  options: { quiet?: boolean } = {},
): void {
  if (p.state.groups.get(m.conversation)?.hidden) return;
  if (options.quiet) {
    countReceived(p, [m]);
    return;
  }
  const conversation = p.state.ensure(m.group?.name ?? m.from.pseudonym, m.conversation);
  const onScreen = p.state.isOnScreen(conversation.id);
  p.conversation.received(m);
  const kind = p.settings.desktopNotifications;
  const n = notificationFor({ onScreen }, p.state.ownStatus, {
    bell: p.settings.bell,
    desktop: kind,
  });
  if (n.bell) p.term.bell();
  if (n.desktop && kind !== 'off') {
    const title =
      conversation.kind === 'group'
        ? `${m.from.pseudonym} in ${labelOf(conversation)}`
        : conversation.name;
    p.term.osc(desktopNotification(kind, title, m.text));
  }
  // Shown here: `natter inbox` need not print it again; counted as taken.
  p.tasks.track(p.core.takeUnread().then((taken) => countReceived(p, taken)));
  p.render();
}

/** Messages taken (takeUnread): each counted unread once, unless its conversation is on screen. */
function countReceived(p: ScreenParts, taken: readonly PeerEventMap['message:received'][]): void {
  if (taken.length === 0) return;
  for (const m of taken) p.state.received(m);
  p.saver.schedule();
  p.render();
}

/** 'bye' (they quit) and 'relay-gone' (they logged out of the relay) both read as leaving. */
function leaveReason(reason: string | undefined): string {
  if (reason === undefined || reason === 'bye' || reason === 'relay-gone') return 'left';
  if (reason === 'expired') return 'went away (no heartbeat)';
  return `left (${sanitize(reason)})`;
}
