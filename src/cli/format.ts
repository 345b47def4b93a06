/**
 * Turning peer-controlled text into terminal output. Anything a peer wrote is
 * hostile until sanitised: escape sequences can rewrite the screen, bidi
 * overrides and zero-width characters can make one name look like another.
 */
import { type ContactInfo, parseConversationId, type ReceivedMessage } from '../peer/index.js';
import { capMarks, displayWidth, expandTabs, markEmojiJoiners } from '../util/text-width.js';

/** ESC and other C0 controls except tab and newline, DEL, C1 controls. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Bidi embeddings/overrides/isolates and marks, zero-width characters, BOM, line/paragraph separators. */
const INVISIBLES = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Peer text made safe to print: controls and invisible formatting removed, combining
 * marks capped per character as the chat caps them (a stack of them, "zalgo", smears
 * over the lines around it). One line unless `multiline`. A tab is one space on one line
 * (a name, a status); in a message's text (`multiline`) it is spaces to the next tab stop
 * of its own line, as the chat draws it, never a raw tab, which would move to a stop the
 * line's prefix makes unpredictable (docs/decisions.md).
 */
export function sanitize(text: string, options: { multiline?: boolean } = {}): string {
  // A joiner inside an emoji sequence (a family) only makes one picture of several: kept,
  // held as a control character (gone by then) while the other invisibles go.
  const clean = markEmojiJoiners(text.replace(CONTROLS, ''), '\u0001')
    .replace(INVISIBLES, '')
    .replaceAll('\u0001', '\u200d');
  if (options.multiline === true) return capMarks(expandTabs(clean));
  return capMarks(clean.replace(/\t/g, ' ')).replace(/\n/g, ' ');
}

/**
 * JSON that is also safe on a terminal: JSON.stringify escapes C0 controls but
 * leaves DEL, C1, bidi and zero-width characters raw; those are escaped too.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Local wall-clock time as HH:MM:SS. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** Local date and time as YYYY-MM-DD HH:MM:SS. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const date = [d.getFullYear(), d.getMonth() + 1, d.getDate()]
    .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
    .join('-');
  return `${date} ${clockTime(ms)}`;
}

/**
 * `HH:MM:SS  name (fingerprint): text`, in a group `HH:MM:SS  #group name
 * (fingerprint): text`. Continuation lines are indented, so a message cannot
 * print a line that looks like a header from someone else. The time is when it
 * arrived here, as `history` and the chat show it (the sender's clock is in --json's
 * sentAt only: a trial saw inbox and history disagree on one message).
 */
export function formatMessage(m: ReceivedMessage): string {
  const body = sanitize(m.text, { multiline: true }).replace(/\n/g, '\n    ');
  const where = m.group === undefined ? '' : `#${sanitize(m.group.name)} `;
  const at = m.receivedAtMs > 0 ? m.receivedAtMs : m.sentAtMs;
  return `${clockTime(at)}  ${where}${sanitize(m.from.pseudonym)} (${m.from.fingerprint}): ${body}`;
}

/** A group message's group for JSON: its name and id (hex); undefined for a 1:1 message. */
function messageGroup(m: ReceivedMessage): { name: string; id: string } | undefined {
  if (m.group === undefined) return undefined;
  const ref = parseConversationId(m.conversation);
  return { name: m.group.name, id: ref.kind === 'group' ? ref.groupId : m.conversation };
}

export function messageJson(m: ReceivedMessage): string {
  return safeJson({
    msgId: m.msgId,
    from: m.from.pseudonym,
    fingerprint: m.from.fingerprint,
    userId: m.from.userId,
    sentAt: new Date(m.sentAtMs).toISOString(),
    receivedAt: new Date(m.receivedAtMs).toISOString(),
    text: m.text,
    ...(m.group === undefined ? {} : { group: messageGroup(m) }),
  });
}

/**
 * `name  fingerprint  state`, the name padded to `nameWidth` characters so a list's
 * columns line up; while the key changed, one indented line follows per new key
 * waiting, so a second change is as visible as the first.
 */
export function formatContact(c: ContactInfo, nameWidth = 0): string {
  const name = sanitize(c.pseudonym);
  const padded = name + ' '.repeat(Math.max(0, nameWidth - displayWidth(name)));
  const state = contactState(c, name);
  const keys = c.pendingKeys.map(
    (k, i) =>
      `    new key ${i + 1} of ${c.pendingKeys.length}: ${k.fingerprint}  first seen ${clockTime(k.seenAtMs)}`,
  );
  // Blocked said beside the trust: a trial's `contacts` showed a blocked carol as any other.
  const blocked = c.blocked ? `  blocked (natter unblock ${name})` : '';
  return [`${padded}  ${c.fingerprint}  ${state}${blocked}`, ...keys].join('\n');
}

/** A contact's state in words: a key change first, then an old name, then verification. */
function contactState(c: ContactInfo, name: string): string {
  if (c.keyChanged)
    return `KEY CHANGED (compare: natter fingerprint ${name}; accept: natter trust ${name} --safety-number N)`;
  if (c.renamedTo !== undefined) return `now called ${sanitize(c.renamedTo)}`;
  return c.verified ? 'verified' : 'unverified';
}

/** Contacts one per line (formatContact), their names padded to the longest. */
export function formatContacts(list: ContactInfo[]): string[] {
  const width = Math.max(0, ...list.map((c) => displayWidth(sanitize(c.pseudonym))));
  return list.map((c) => formatContact(c, width));
}

/** 60 digits in 12 groups, shown as three rows of four for reading aloud. */
export function formatSafetyNumber(n: string): string {
  const groups = n.split(' ');
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 4) rows.push(`  ${groups.slice(i, i + 4).join(' ')}`);
  return rows.join('\n');
}

/** takenWhy's phrase for a name taken as it is (no look-alike named). */
export const TAKEN = 'is taken';

/**
 * Why the relay refused a name, as a phrase after "the name 'X'": the registered name it
 * is too like when the relay said so (relay/directory.ts, `taken`: another case, a
 * look-alike letter), quoted sanitised; else that it is taken. "... on RELAY" follows.
 */
export function takenWhy(relayMessage: string): string {
  const like = /looks too much like '(.+)', a name taken on this relay/.exec(relayMessage)?.[1];
  return like === undefined ? TAKEN : `looks too much like '${sanitize(like)}', taken`;
}
