/**
 * What `natter inbox` prints besides messages, alone or through the running
 * client (commands/inbox-via.ts): stderr lines for everyone, objects on stdout
 * with --json.
 */
import type {
  ConversationNotice,
  DamagedMessage,
  GroupUpdate,
  PeerEventMap,
} from '../peer/index.js';
import { missingCount } from '../peer/index.js';
import { NatterError } from '../util/errors.js';
import type { CliContext } from './context.js';
import { safeJson, sanitize } from './format.js';
import {
  formatGroupChange,
  formatGroupWarning,
  groupChangeJson,
  groupWarningJson,
} from './group-format.js';

/** A membership change or a refused one: text on stderr, like notices; an object with --json. */
export function printGroupUpdate(ctx: CliContext, u: GroupUpdate, me: string, json: boolean): void {
  // A group a blocked key put me in is left without a word (GroupInfo.hidden).
  if (u.type === 'changed' && u.group.hidden) return;
  if (u.type === 'changed') {
    ctx.err(formatGroupChange(u.group, u.notice, me));
    if (json) ctx.out(groupChangeJson(u.group, u.notice, u.atMs));
  } else {
    ctx.err(formatGroupWarning(u));
    if (json) ctx.out(groupWarningJson(u));
  }
}

/** Held messages are not printed; why goes to stderr, so scripts reading stdout are unaffected. */
export function keyChangedLine(e: PeerEventMap['contact:key-changed']): string {
  const who = sanitize(e.pseudonym);
  return `natter: ${who}'s key changed (${e.oldFingerprint} -> ${e.newFingerprint}); their messages are held until you compare safety numbers (natter fingerprint ${who}) and run natter trust ${who}`;
}

export function heldLine(e: PeerEventMap['message:held']): string {
  return `natter: a message from ${sanitize(e.from.pseudonym)} is held (key changed)`;
}

/** A recipient's answer to a file of mine (files/replies.ts), on stderr like the notes above. */
export function fileReplyLine(e: PeerEventMap['file:reply']): string {
  const t = e.transfer;
  return `natter: ${sanitize(e.reply.name)} ${e.reply.outcome} ${sanitize(t.name)} (transfer ${t.shortId})`;
}

/** Another name of a contact, on stderr: where their messages are from now. */
export function renamedLine(e: PeerEventMap['contact:renamed']): string {
  return `natter: ${sanitize(e.from)} is now called ${sanitize(e.to)} (the same key)`;
}

/**
 * The stderr line for a gap or a rewound counter in a sender's messages (issue 10), or
 * a group stopped for want of a sender's key: a notice, not an error: nothing was dropped.
 * In a group the line names it (`natter: #team: ...`).
 */
export function formatNotice(n: ConversationNotice): string {
  const where = n.group === undefined ? '' : `#${sanitize(n.group.name)}: `;
  return `natter: ${where}${noticeText(n, `${sanitize(n.from.pseudonym)} (${n.from.fingerprint})`)}`;
}

/** What a notice says, naming its sender as `who` (sanitised by the caller). */
function noticeText(n: ConversationNotice, who: string): string {
  if (n.kind === 'gap') {
    return `${missingCount(n.missing)} earlier message(s) from ${who} have not arrived (yet); they may still be on their way`;
  }
  if (n.kind === 'held') {
    const newer = n.resumes
      ? 'the newer ones follow them'
      : 'newer ones at your next connection: run natter inbox again';
    return `${n.missing} messages are waiting for a sender's key (the most a group may hold); they are shown when it comes, and ${newer}. Nothing is lost`;
  }
  return `${who}'s messages are numbered from an earlier point (a profile restored from a backup, or another device); new messages are still shown`;
}

export function noticeJson(n: ConversationNotice): string {
  return safeJson({
    type: 'notice',
    kind: n.kind,
    conversation: n.conversation,
    ...(n.group === undefined
      ? {}
      : { group: { name: n.group.name, id: n.conversation.slice(1) } }),
    from: n.from.pseudonym,
    fromFingerprint: n.from.fingerprint,
    counter: n.counter,
    previousCounter: n.previousCounter,
    missing: n.missing,
    ...(n.kind === 'held' ? { resumes: n.resumes === true } : {}),
    at: new Date(n.atMs).toISOString(),
  });
}

/**
 * The stderr line for a dropped delivery. The name is the relay's routing claim,
 * not an authenticated sender (DESIGN.md §3), and peer text: said as such, sanitised.
 */
export function formatDamaged(d: DamagedMessage): string {
  const who = `${sanitize(d.claimedFrom.pseudonym)} (${d.claimedFrom.fingerprint})`;
  return `natter: a message claimed to be from ${who} arrived damaged or forged and was dropped: ${d.reason} (${d.code})`;
}

export function damagedJson(d: DamagedMessage): string {
  return safeJson({
    type: 'damaged',
    code: d.code,
    reason: d.reason,
    claimedFrom: d.claimedFrom.pseudonym,
    claimedFingerprint: d.claimedFrom.fingerprint,
    claimedUserId: d.claimedFrom.userId,
    msgId: d.msgId,
    seq: d.seq,
    receivedAt: new Date(d.receivedAtMs).toISOString(),
  });
}

/** After `inbox --max N` left some unread, on stderr. */
export const MORE_UNREAD = 'natter: more messages are unread; natter inbox prints them';

/**
 * `natter inbox` could not see what waits (the relay cannot reach its mail store): the
 * line main() prints, and exit 1, alone or through the running client.
 */
export function storeUnavailable(e: { code: string }): NatterError {
  return new NatterError(
    e.code,
    'the relay cannot reach its mail store; waiting mail will arrive when it is back',
  );
}
