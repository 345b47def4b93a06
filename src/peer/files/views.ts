/**
 * TransferInfo for the UI (api.ts): an upload or a download as `natter transfers` lists it,
 * with its rate and ETA from its ProgressMeter.
 */
import type { OfferState, TransferInfo, TransferState } from './api.js';
import type { Download } from './downloads.js';
import { offerName } from './offer-label.js';
import { offerOrderTime, SHORT_ID_DIGITS } from './offers.js';
import type { ProgressMeter } from './progress.js';
import type { IncomingRecord, OutgoingRecord, StoredOffer } from './records.js';
import type { Upload } from './uploads.js';

const DOWNLOAD_STATE: { [S in OfferState]: TransferState } = {
  offered: 'waiting',
  accepted: 'running',
  declined: 'cancelled',
  received: 'done',
  failed: 'failed',
};

const TERMINAL: ReadonlySet<TransferState> = new Set(['done', 'failed', 'cancelled']);

export const isTerminal = (state: TransferState): boolean => TERMINAL.has(state);

/**
 * Oldest first, as history lists: an upload by when I offered it, a download by when its
 * sender offered it (offerOrderTime: not the relay's order, which puts a group's offers
 * apart from 1:1 mail), then by when it arrived; equal times by transfer id. The store's
 * own order, by transfer id, is random (a new-user trial).
 */
export function byTime<T extends { record: IncomingRecord | OutgoingRecord }>(list: T[]): T[] {
  const at = ({ record: r }: T) => ('offeredAtMs' in r ? offerOrderTime(r) : r.createdAtMs);
  const came = ({ record: r }: T) => ('offeredAtMs' in r ? r.offeredAtMs : 0);
  const id = (t: T) => t.record.offer.transferId;
  return list.sort(
    (a, b) => at(a) - at(b) || came(a) - came(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0),
  );
}

export function uploadInfo(u: Upload, meter: ProgressMeter, nowMs: number): TransferInfo {
  const r = u.record;
  const info = view(
    r.offer.transferId,
    'upload',
    offerName(r.offer),
    r.peer,
    r.offer.size,
    u.doneBytes,
    {
      from: null,
      meter,
      nowMs,
      state: r.state,
      savedAs: null,
      senderBehind: false,
      error: r.error,
      replies: (r.replies ?? []).map(({ name, outcome }) => ({ name, outcome })),
    },
  );
  const leftOut = r.leftOut?.map((m) => m.name);
  return withFiles(leftOut === undefined ? info : { ...info, leftOut }, r.offer);
}

export function downloadInfo(d: Download, meter: ProgressMeter, nowMs: number): TransferInfo {
  const r = d.record;
  const peer = r.group === null ? `@${r.from}` : `#${r.group}`;
  const done = r.state === 'received' ? r.offer.size : d.doneBytes;
  const info = view(r.offer.transferId, 'download', offerName(r.offer), peer, r.offer.size, done, {
    from: r.from,
    meter,
    nowMs,
    state: DOWNLOAD_STATE[r.state],
    savedAs: r.savedAs,
    ...(r.savedItems === undefined ? {} : { savedItems: [...r.savedItems] }),
    senderBehind: d.senderBehind,
    error: r.error,
    replies: [],
  });
  return withFiles(info, r.offer);
}

/**
 * A folder, or several paths sent at once, with its count of files (OfferInfo's), so a
 * transfer is labelled as its offer is (fileLabel: a folder read `proj` in `natter
 * transfers` and `proj/ (6 files)` in `natter files`).
 */
function withFiles(info: TransferInfo, o: StoredOffer): TransferInfo {
  if (o.entries.length === 0) return info;
  const files = { ...info, files: o.entries.length };
  return o.several === true ? { ...files, several: true } : files;
}

function view(
  id: string,
  direction: TransferInfo['direction'],
  name: string,
  peer: string,
  size: number,
  doneBytes: number,
  s: {
    from: string | null;
    meter: ProgressMeter;
    nowMs: number;
    state: TransferState;
    savedAs: string | null;
    savedItems?: string[];
    senderBehind: boolean;
    error: TransferInfo['error'];
    replies: TransferInfo['replies'];
  },
): TransferInfo {
  const running = s.state === 'running';
  // Waiting for the sender's upload, nothing moves: the rate of the chunks before the wait
  // gave an ETA that counted down to 0 while no byte came (a new-user trial).
  const waitingForSender = running && s.senderBehind;
  const moving = running && !waitingForSender;
  return {
    id,
    shortId: id.slice(0, SHORT_ID_DIGITS),
    direction,
    name,
    peer,
    from: s.from,
    size,
    doneBytes,
    rateBytesPerSec: moving ? Math.round(s.meter.rate(s.nowMs)) : 0,
    etaMs: moving ? s.meter.etaMs(s.nowMs, size - doneBytes) : s.state === 'done' ? 0 : null,
    state: s.state,
    waitingForSender,
    savedAs: s.savedAs,
    ...(s.savedItems === undefined ? {} : { savedItems: s.savedItems }),
    error: s.error,
    replies: s.replies,
  };
}
