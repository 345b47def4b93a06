/**
 * What the core's file events do to the screen (issue 12; wiring.ts does the rest): an
 * offer adds its line to its conversation ("bob offers report.pdf (2.1 MiB) — /accept
 * 1a2b or /decline 1a2b"), a received file says where it was saved (and notifies as a
 * message would), transfers show their progress in the status bar, and a failure is
 * told in words in its conversation, as is a recipient's answer to my upload ("bob
 * received report.pdf").
 */
import type { FileReplyInfo, OfferInfo, TransferInfo } from '../index.js';
import { finishedText, offerText, receivedText, replyText } from './file-words.js';
import { note } from './notes.js';
import { desktopNotification, notificationFor } from './notify.js';
import type { ScreenParts } from './parts.js';
import { distinctLabelOf } from './sidebar.js';
import type { Conversation } from './state.js';
import { sanitize } from './text.js';

export function wireFileEvents(p: ScreenParts): (() => void)[] {
  const { core, state: s } = p;
  return [
    core.on('file:offer', (o) => showOffer(p, o)),
    core.on('file:received', (o) => {
      s.files.offer(o);
      const conv = conversationFor(p, o);
      const text = receivedText(o);
      s.notice = { text: noticeIn(p, conv, text), kind: 'info' };
      note(p, conv.id, text);
      announce(p, conv, o.from, text);
    }),
    core.on('transfer:progress', (t) => {
      s.files.progress(t);
      p.render();
    }),
    core.on('transfer:finished', (t) => finished(p, t)),
    // An answer to my upload, in the conversation the offer was made in; taken, so the
    // next UI does not say it again.
    core.on('file:reply', (r) => {
      showReply(p, r);
      p.tasks.track(core.takeFileReplies());
    }),
  ];
}

/** A recipient's answer to my upload, in the conversation the offer was made in. */
export function showReply(p: ScreenParts, r: FileReplyInfo): void {
  const s = p.state;
  s.files.progress(r.transfer);
  const where = s.get(r.conversation) !== undefined ? r.conversation : null;
  note(p, where, replyText(r), 'info', where === null || !s.isOnScreen(where));
}

/**
 * At start: offers that came while the screen was closed are known, and the waiting ones
 * said. An offer still waiting gets its line again in its conversation, at the time it
 * came (right under its history line, "sent a file: ..."): the screen's notes do not
 * survive a restart, and a trial's restarted chat showed the offer without the
 * `/accept ID` to type. Only waiting ones: one accepted, declined or expired since has
 * nothing to accept. Only in a conversation on the list (one /close took off stays off).
 */
export function loadOffers(p: ScreenParts): void {
  const s = p.state;
  const offers = p.core.fileOffers();
  // One that came while the screen started (its 'file:offer' was wired first, and the
  // chat's connection may be up already) has its line: not a second (a QA trial saw two).
  const shown = new Set(s.files.allOffers().map((o) => o.id));
  for (const o of offers) s.files.offer(o);
  // After all are known: the ID is as short as it can be among them, as /files shows it.
  for (const o of offers) {
    if (o.state !== 'offered' || s.get(o.conversation) === undefined || shown.has(o.id)) continue;
    const text = offerText(o, s.files.refOf(o.id));
    s.note(o.conversation, { atMs: o.offeredAtMs, text, kind: 'info' });
  }
  for (const t of p.core.transfers()) s.files.progress(t);
  const waiting = s.files.pending().length;
  if (waiting > 0)
    s.notice = {
      text: `${waiting} file(s) offered to you wait for an answer: /files lists them`,
      kind: 'info',
    };
}

/**
 * A new offer: its line in its conversation, with the ID to type, and in the notice
 * line when the conversation is not on screen. The offer also came as a message ("sent
 * a file: ..."), which counts as unread and rings as any message does: not again here.
 */
export function showOffer(p: ScreenParts, o: OfferInfo): void {
  const s = p.state;
  s.files.offer(o);
  const conv = conversationFor(p, o);
  conv.lastMs = Math.max(conv.lastMs, o.offeredAtMs);
  const text = offerText(o, s.files.refOf(o.id));
  p.saver.schedule();
  const kind = o.state === 'failed' ? 'warn' : 'info';
  if (!s.isOnScreen(conv.id)) s.notice = { text: noticeIn(p, conv, text), kind };
  note(p, conv.id, text, kind);
}

/**
 * A file's line as the notice line says it, away from its conversation: a group's named
 * first (`#team: bob offers …`), since the sender's name alone does not say where it went.
 */
function noticeIn(p: ScreenParts, conv: Conversation, text: string): string {
  return conv.kind === 'group' ? `${sanitize(distinctLabelOf(conv, p.state))}: ${text}` : text;
}

/** A transfer ended: out of the status bar; a failure (or an upload that is up) told. */
function finished(p: ScreenParts, t: TransferInfo): void {
  const s = p.state;
  s.files.progress(t);
  // A download's offer moved on too, maybe outside the chat (`natter decline ID` beside it):
  // no longer waiting for /accept or /files.
  if (t.direction === 'download') {
    const o = p.core.fileOffers().find((x) => x.id === t.id);
    if (o !== undefined) s.files.offer(o);
  }
  const said = finishedText(t);
  if (said === null) {
    // An upload answered before the relay's last ack: the answer replaces "uploading".
    const reply = t.direction === 'upload' ? t.replies.at(-1) : undefined;
    if (reply !== undefined) s.notice = { text: replyText({ transfer: t, reply }), kind: 'info' };
    p.render();
    return;
  }
  const conv = s.files.conversationOf(t);
  const where = conv !== null && s.get(conv) !== undefined ? conv : null;
  // An upload's end also replaces /send's "uploading" in the notice line.
  const alsoNotice =
    said.kind === 'error' || where === null || !s.isOnScreen(where) || t.direction === 'upload';
  note(p, where, said.text, said.kind, alsoNotice);
}

/** The conversation an offer belongs to: the sender's, or the group's. */
function conversationFor(p: ScreenParts, o: OfferInfo): Conversation {
  return p.state.ensure(o.group ?? o.from, o.conversation);
}

/** Bell and desktop notification for a file, under the same rules as a message. */
function announce(p: ScreenParts, conv: Conversation, from: string, text: string): void {
  const kind = p.settings.desktopNotifications;
  const n = notificationFor({ onScreen: p.state.isOnScreen(conv.id) }, p.state.ownStatus, {
    bell: p.settings.bell,
    desktop: kind,
  });
  if (n.bell) p.term.bell();
  if (n.desktop && kind !== 'off') p.term.osc(desktopNotification(kind, sanitize(from), text));
}
