/**
 * Offers and transfers as the CLI prints them (`natter files`, `natter transfers`,
 * the progress lines of `send-file` and `accept`; issue 12). Names and peers are
 * peer text: the core sanitised them already (api.ts), and they go through
 * sanitize() here anyway, as every other command's peer text does.
 */
import { fileLabel, type OfferInfo, type TransferInfo } from '../peer/index.js';
import { displayWidth, toCells } from '../util/text-width.js';
import { safeJson, sanitize } from './format.js';
import { groupLabel } from './group-format.js';
import { formatEta, formatRate, formatSize, percentDone } from './sizes.js';

/**
 * `report.pdf (2.1 MiB)`, `photos/ (12 files, 40.0 MiB)` for a folder, and for several
 * paths sent at once their label, not a folder: `a.pdf, b.txt and c.png (3 files, 1.2 MiB)`
 * (the core's fileLabel, which every list and line uses, the chat's too).
 */
export function describeFile(f: {
  name: string;
  size: number;
  files?: number;
  several?: true;
}): string {
  return sanitize(fileLabel(f, { size: true }));
}

/** The name column of `natter files` and `transfers`: `report.pdf`, `proj/ (6 files)`. */
const nameCell = (f: { name: string; size: number; files?: number; several?: true }) =>
  sanitize(fileLabel(f));

/**
 * Columns a name takes in `files` and `transfers` at most: one long name padded every row
 * to ~120 columns (a files trial). Cut with an ellipsis; `--json` keeps the whole name.
 */
export const NAME_COLS_MAX = 40;

/** nameCell, cut to NAME_COLS_MAX columns. */
function listedName(f: Parameters<typeof nameCell>[0]): string {
  const name = nameCell(f);
  if (displayWidth(name) <= NAME_COLS_MAX) return name;
  let out = '';
  let used = 0;
  for (const cell of toCells(name)) {
    if (used + cell.width > NAME_COLS_MAX - 1) break;
    out += cell.text;
    used += cell.width;
  }
  return `${out}…`;
}

/**
 * Where a received file went: `PATH`, or for several paths sent at once `DIR: a.pdf,
 * b (1).txt, scans/` (a name taken there already made another: a trial could not tell).
 */
export function savedPlace(s: { savedAs: string | null; savedItems?: string[] }): string {
  if (s.savedAs === null) return '';
  const items =
    s.savedItems === undefined ? '' : `: ${s.savedItems.map((i) => sanitize(i)).join(', ')}`;
  return `${sanitize(s.savedAs)}${items}`;
}

/** `: saved as PATH`, `: saved in DIR: a.pdf, b (1).txt`, or nothing before it is saved. */
export function savedWords(s: { savedAs: string | null; savedItems?: string[] }): string {
  if (s.savedAs === null) return '';
  return `: saved ${s.savedItems === undefined ? 'as' : 'in'} ${savedPlace(s)}`;
}

const CANCELLED = 'E_FILE_CANCELLED';

/** `natter files`' state of an offer its sender cancelled (`outbox cancel`, say). */
export const CANCELLED_BY_SENDER = 'cancelled by the sender';

/**
 * Why a transfer failed, in words: the core's message, except where the relay's own
 * (`file: no such transfer for you`) does not say what it means for an offer, as the
 * chat's /files words it (ui/file-words.ts).
 */
export function failureWords(error: { code: string; message: string }): string {
  if (error.code === 'E_FILE_UNKNOWN')
    return 'the relay no longer has it (the sender cancelled it, or it expired)';
  return sanitize(error.message);
}

/**
 * What an offer's state says in a list: a failure with its reason, a received one with its
 * path, one its sender cancelled as that (the core keeps it failed with E_FILE_CANCELLED:
 * `--json` says so), not as a failure of mine.
 */
function offerState(o: OfferInfo): string {
  if (o.state === 'received' && o.savedAs !== null) return `received → ${savedPlace(o)}`;
  if (o.state === 'failed' && o.error?.code === CANCELLED) return CANCELLED_BY_SENDER;
  if (o.state === 'failed' && o.error !== null)
    return `failed: ${failureWords(o.error)} (${o.error.code})`;
  return o.state;
}

/** `natter files`: one aligned row per offer: short id, from, group, name, size, state. */
export function offerRows(offers: readonly OfferInfo[]): string[] {
  const rows = offers.map((o) => [
    o.shortId,
    sanitize(o.from),
    o.group === null ? '-' : groupLabel(o.group),
    listedName(o),
    formatSize(o.size),
    offerState(o),
  ]);
  return alignRows(rows);
}

export function offerObject(o: OfferInfo) {
  return {
    id: o.id,
    shortId: o.shortId,
    conversation: o.conversation,
    from: o.from,
    group: o.group,
    name: o.name,
    size: o.size,
    files: o.files,
    ...(o.several === true ? { several: true } : {}),
    mime: o.mime,
    offeredAt: new Date(o.offeredAtMs).toISOString(),
    sentAt: new Date(o.sentAtMs).toISOString(),
    state: o.state,
    savedAs: o.savedAs,
    ...(o.savedItems === undefined ? {} : { savedItems: o.savedItems }),
    error: o.error,
  };
}

export const offerJson = (o: OfferInfo) => safeJson(offerObject(o));

/**
 * `natter transfers`: id, ↑/↓, peer, name, bytes done of size and %, rate, time left, state.
 * `running`: a running client listed them; else one not ended is paused (PAUSED).
 */
export function transferRows(list: readonly TransferInfo[], running = true): string[] {
  const rows = list.map((t) => [
    t.shortId,
    t.direction === 'upload' ? '↑' : '↓',
    sanitize(t.peer),
    listedName(t),
    `${formatSize(t.doneBytes)} of ${formatSize(t.size)}`,
    `${percentDone(t.doneBytes, t.size)}%`,
    formatRate(t.rateBytesPerSec),
    t.state === 'running' && !t.waitingForSender ? `ETA ${formatEta(t.etaMs)}` : '',
    transferState(t, running),
  ]);
  return alignRows(rows);
}

function transferState(t: TransferInfo, running: boolean): string {
  if (t.error !== null && (t.state === 'failed' || t.state === 'cancelled'))
    return `${t.state}: ${failureWords(t.error)} (${t.error.code})`;
  if (!running && (t.state === 'waiting' || t.state === 'running')) return PAUSED;
  if (t.state === 'waiting') return t.direction === 'upload' ? WAITING : 'waiting';
  if (t.waitingForSender) return WAITING_FOR_SENDER;
  // An upload on the relay that nobody answered yet is not "done" for its sender (a trial).
  const unanswered = t.direction === 'upload' && t.state === 'done' && t.replies.length === 0;
  const said = [
    t.state,
    ...(unanswered ? ['no answer yet'] : []),
    ...(t.replies.length === 0 ? [] : [repliesText(t)]),
  ];
  if (t.leftOut !== undefined) said.push(`not for ${namesText(t.leftOut)} (over their limit)`);
  return said.join('; ');
}

/** `carol`, `carol and dave`, `carol, dave and erin`: names sanitised. */
function namesText(names: readonly string[]): string {
  const safe = names.map((n) => sanitize(n));
  return safe.length <= 1 ? (safe[0] ?? '') : `${safe.slice(0, -1).join(', ')} and ${safe.at(-1)}`;
}

/**
 * A group's file that some members will not get, over the size they accept (the relay left
 * them out): `carol will not get report.pdf: it is over the size they accept`, or null.
 */
export function leftOutText(
  t: Pick<TransferInfo, 'leftOut' | 'name' | 'size' | 'files' | 'several'>,
): string | null {
  if (t.leftOut === undefined || t.leftOut.length === 0) return null;
  const who = namesText(t.leftOut);
  return `${who} will not get ${nameCell(t)}: it is over the size they accept`;
}

/** What an upload's recipients answered: `received by bob, declined by carol`. */
export function repliesText(t: Pick<TransferInfo, 'replies'>): string {
  return t.replies.map((r) => `${r.outcome} by ${sanitize(r.name)}`).join(', ');
}

export function transferObject(t: TransferInfo) {
  return {
    id: t.id,
    shortId: t.shortId,
    direction: t.direction,
    name: t.name,
    ...(t.several === true ? { several: true } : {}),
    ...(t.files === undefined ? {} : { files: t.files }),
    peer: t.peer,
    from: t.from,
    size: t.size,
    doneBytes: t.doneBytes,
    rateBytesPerSec: t.rateBytesPerSec,
    etaMs: t.etaMs,
    state: t.state,
    waitingForSender: t.waitingForSender,
    savedAs: t.savedAs,
    ...(t.savedItems === undefined ? {} : { savedItems: t.savedItems }),
    error: t.error,
    replies: t.replies,
    ...(t.leftOut === undefined ? {} : { leftOut: t.leftOut }),
  };
}

export const transferJson = (t: TransferInfo) => safeJson(transferObject(t));

/** Who a download came from: `bob`, or `alice in #team` for a group's file. */
export function receivedFrom(t: TransferInfo): string {
  const peer = sanitize(t.peer.replace(/^@/, ''));
  return t.from !== null && t.peer.startsWith('#') ? `${sanitize(t.from)} in ${peer}` : peer;
}

/** What a progress line or bar says instead of a rate while nothing moves (state 'waiting'). */
export const WAITING = 'waiting for the relay';
/**
 * A transfer not ended, listed with no client running on the profile: nothing carries it
 * on, whatever the relay is doing (a trial: a chat quit mid-upload read as the relay's fault).
 */
export const PAUSED = 'paused: resumes when natter runs on this profile';
/** The same for a download that has all the relay holds (TransferInfo.waitingForSender). */
export const WAITING_FOR_SENDER = "waiting for the sender's upload";

/** Instead of a rate: why nothing moves, if it is known. */
export function stalledText(t: TransferInfo): string | null {
  return t.state === 'waiting' ? WAITING : t.waitingForSender ? WAITING_FOR_SENDER : null;
}

/**
 * One plain progress line (stdout not a terminal):
 * `1a2b3c4d ↑ report.pdf  1.0 MiB of 2.1 MiB  47%  3.4 MiB/s  ETA 0:01`.
 */
export function progressLine(t: TransferInfo): string {
  const arrow = t.direction === 'upload' ? '↑' : '↓';
  const parts = [
    `${t.shortId} ${arrow} ${nameCell(t)}`,
    `${formatSize(t.doneBytes)} of ${formatSize(t.size)}`,
    `${percentDone(t.doneBytes, t.size)}%`,
    ...(stalledText(t) !== null
      ? [stalledText(t)!]
      : [formatRate(t.rateBytesPerSec), `ETA ${formatEta(t.etaMs)}`]),
  ];
  return parts.join('  ');
}

/** With --json, a progress line as an object of type "progress". */
export function progressJson(t: TransferInfo): string {
  return safeJson({ type: 'progress', ...transferObject(t) });
}

/** Cells padded to each column's widest, two spaces apart; the last column is not padded. */
function alignRows(rows: readonly string[][]): string[] {
  const width = displayWidth;
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) =>
    Math.max(0, ...rows.map((r) => width(r[i] ?? ''))),
  );
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i < r.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - width(cell)) : cell,
      )
      .join('  ')
      .trimEnd(),
  );
}
