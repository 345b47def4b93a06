/**
 * Files in words for the chat screen (issue 12): the line an offer adds to its
 * conversation, what became of a transfer, the status bar's progress and the /files
 * panel. Every name is peer text: sanitised here, though the core sanitised it already.
 * Pure.
 */
import { formatEta, formatRate, percentDone } from '../../util/sizes.js';
import {
  type FileReplyInfo,
  fileLabel as labelFile,
  type OfferInfo,
  type TransferInfo,
} from '../index.js';
import type { Span } from './grid.js';
import type { Panel } from './state.js';
import { padEnd, sanitize, truncate } from './text.js';

/** Columns of a file name in the status bar: the rest is for the numbers. */
const STATUS_NAME_COLS = 20;

/**
 * What a failure means, for the codes a person can act on (docs/files.md "Codes");
 * any other code is said with the core's own message.
 */
const FAILURES: Readonly<Record<string, string>> = {
  E_FILE_QUOTA: 'your space on the relay is used up until recipients fetch what you sent',
  E_FILE_TOO_LARGE: 'it is larger than a recipient accepts',
  E_FILE_DISK_FULL: 'the relay is short of disk space',
  E_FILE_UNKNOWN: 'the relay no longer has it (expired or cancelled)',
  E_FILE_NOT_MEMBER: 'you are not a member of that group',
  E_FILE_NO_RECIPIENT: 'no such user on this relay',
  E_FILE_NOT_FOUND: 'no such file or folder',
  E_FILE_SOURCE_CHANGED: 'the file changed on disk while it was being sent',
  E_FILE_HASH_MISMATCH: 'what arrived does not match what was offered, so nothing was kept',
  E_FILE_CANCELLED: 'cancelled',
  E_DISK_FULL:
    'no room left on the disk where it was saved: free some space, then /accept it again',
};

type Labelled = { name: string; size: number; files?: number; several?: true };

/**
 * `report.pdf (2.1 MiB)`, `photos/ (12 files, 40.0 MiB)`, and several paths sent at once as
 * what they are: `a.pdf, b.txt and c.png (3 files, 1.2 MiB)`: the core's label (labelFile),
 * as the command line says it, sanitised.
 */
export function fileLabel(f: Labelled): string {
  return sanitize(labelFile(f, { size: true }));
}

/** The same without the size, where a line says no size: `photos/ (12 files)`. */
const shortLabel = (f: Labelled) => sanitize(labelFile(f));

/** `carol and dave will not get it: it is over the size they accept`, or null (names sanitised). */
export function leftOutWords(t: { leftOut?: string[] }): string | null {
  const names = (t.leftOut ?? []).map((n) => sanitize(n));
  if (names.length === 0) return null;
  const who =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${who} will not get it: it is over the size they accept`;
}

/** A failure in words, with its code. */
export function failureText(error: { code: string; message: string } | null): string {
  if (error === null) return 'it failed';
  const words = Object.hasOwn(FAILURES, error.code)
    ? FAILURES[error.code]!
    : sanitize(error.message);
  return `${words} (${error.code})`;
}

/**
 * The line a new offer adds to its conversation: what to type to take it or leave
 * it, or what was done with it unasked (auto-accept, the size limit, an unsafe offer).
 */
export function offerText(o: OfferInfo, ref: string): string {
  const who = sanitize(o.from);
  const what = fileLabel(o);
  switch (o.state) {
    case 'offered':
      return `${who} offers ${what} — /accept ${ref} or /decline ${ref}`;
    case 'accepted':
      return `${who} sends ${what}: accepted automatically (auto-accept), downloading`;
    case 'declined':
      // Over this user's own limit: the core's words name the limit (a trial read "larger
      // than a recipient accepts" and could not tell whose limit).
      return o.error?.code === 'E_FILE_TOO_LARGE'
        ? `${who} offered ${what}: declined, ${sanitize(o.error.message)} (${o.error.code})`
        : `${who} offered ${what}: declined, ${failureText(o.error)}`;
    case 'received':
      return `${who} sent ${what}${o.savedAs === null ? '' : `: ${savedWhere(o)}`}`;
    case 'failed':
      return `${who} offered ${what}, which cannot be taken: ${failureText(o.error)}`;
  }
}

/** A received file: where it went. */
export function receivedText(o: OfferInfo): string {
  const where = o.savedAs === null ? 'saved' : savedWhere(o);
  return `${fileLabel(o)} from ${sanitize(o.from)} ${where}`;
}

/**
 * `saved as PATH`; several paths sent at once, `saved in DIR as a.pdf, b (1).txt, scans/`:
 * each item's own name there (a name taken already made another: a trial could not tell).
 */
function savedWhere(o: Pick<OfferInfo, 'savedAs' | 'savedItems'>): string {
  const at = sanitize(o.savedAs ?? '');
  if (o.savedItems === undefined) return `saved as ${at}`;
  return `saved in ${at} as ${o.savedItems.map((i) => sanitize(i)).join(', ')}`;
}

/**
 * What a finished transfer says, or null when another line says it (a received or declined
 * file, an upload its recipients answered).
 */
export function finishedText(t: TransferInfo): { text: string; kind: 'info' | 'error' } | null {
  const what = shortLabel(t);
  const peer = sanitize(t.peer.replace(/^@/, ''));
  // An upload whose recipients answered already (an answer can overtake the relay's last
  // ack): their "received" is the later word, not "can fetch it now" (a files trial).
  if (t.state === 'done')
    return t.direction === 'upload' && t.replies.length === 0
      ? { text: `${what} is on the relay: ${peer} can fetch it now`, kind: 'info' }
      : null;
  const verb = t.direction === 'upload' ? `sending ${what} to ${peer}` : `receiving ${what}`;
  // A download stopped is a decline: mine said here, wherever it was made (/decline, or
  // `natter decline` beside the chat, which a QA trial saw leave the offer's line with no
  // follow-up); one over my limit is said by the offer's own line ("declined, over your
  // limit"). An upload stopped is cancelled.
  if (t.state === 'cancelled') {
    if (t.direction === 'upload') return { text: `${verb}: cancelled`, kind: 'info' };
    return t.error === null ? { text: `you declined ${declinedWhat(t)}`, kind: 'info' } : null;
  }
  // The sender dropped it for everyone while this was under way (the relay says so).
  if (t.direction === 'download' && t.error?.code === 'E_FILE_CANCELLED')
    return { text: `${sanitize(t.from ?? peer)} cancelled ${what}`, kind: 'info' };
  return { text: `${verb} failed: ${failureText(t.error)}`, kind: 'error' };
}

/** `spam.exe (100 B) from bob`: what I declined, as /decline's notice says it. */
export function declinedWhat(f: Labelled & { from: string | null }): string {
  return f.from === null ? fileLabel(f) : `${fileLabel(f)} from ${sanitize(f.from)}`;
}

/** An answer and the upload it answers; where it was made is not needed to say it. */
type AnsweredUpload = Pick<FileReplyInfo, 'transfer' | 'reply'> & Partial<FileReplyInfo>;

/** A recipient's answer to an upload of mine: `bob received report.pdf`. */
export function replyText(r: AnsweredUpload): string {
  return `${sanitize(r.reply.name)} ${r.reply.outcome} ${shortLabel(r.transfer)}`;
}

/** The status bar's part: `↓ report.pdf 47% 3.4 MiB/s ETA 0:07`, `+2` when more run. */
export function transferStatus(active: readonly TransferInfo[]): string | null {
  const [first] = active;
  if (first === undefined) return null;
  const arrow = first.direction === 'upload' ? '↑' : '↓';
  const name = truncate(shortLabel(first), STATUS_NAME_COLS);
  const rest = active.length > 1 ? ` +${active.length - 1}` : '';
  if (first.state === 'waiting') return `${arrow} ${name} waiting${rest}`;
  const pct = percentDone(first.doneBytes, first.size);
  if (first.waitingForSender) return `${arrow} ${name} ${pct}% waiting for the sender${rest}`;
  const rate = first.rateBytesPerSec > 0 ? ` ${formatRate(first.rateBytesPerSec)}` : '';
  const eta = first.etaMs === null ? '' : ` ETA ${formatEta(first.etaMs)}`;
  return `${arrow} ${name} ${pct}%${rate}${eta}${rest}`;
}

/** /files: every offer known, newest first: ref, from, group, name and size, state. */
export function filesPanel(offers: readonly OfferInfo[], refOf: (id: string) => string): Panel {
  const line = (text: string, style: Span['style'] = 'default'): Span[] => [{ text, style }];
  const lines: Span[][] = [];
  if (offers.length === 0) lines.push(line('Nobody has offered you a file yet.', 'dim'));
  for (const o of offers) {
    const where = o.group === null ? '' : ` in #${sanitize(o.group)}`;
    const state: Span =
      o.state === 'offered'
        ? { text: 'waiting for you', style: 'warn' }
        : o.state === 'failed' && o.error?.code === 'E_FILE_CANCELLED'
          ? { text: 'cancelled by the sender', style: 'dim' }
          : o.state === 'failed'
            ? { text: `failed: ${failureText(o.error)}`, style: 'error' }
            : o.state === 'received' && o.savedAs !== null
              ? { text: `saved as ${sanitize(o.savedAs)}`, style: 'ok' }
              : { text: o.state, style: 'dim' };
    lines.push([
      { text: padEnd(`  ${refOf(o.id)}`, 12), style: 'bold' },
      { text: `${sanitize(o.from)}${where}: `, style: 'peer' },
      { text: `${fileLabel(o)}  `, style: 'default' },
      state,
    ]);
  }
  if (offers.some((o) => o.state === 'offered'))
    lines.push(line(''), line('/accept ID downloads one, /decline ID refuses it', 'dim'));
  const waiting = offers.filter((o) => o.state === 'offered').length;
  return { title: `Files: ${offers.length} offered, ${waiting} waiting`, lines };
}
