/**
 * The transfers of a profile, by id: how a user's ref picks one (a unique hex prefix of at
 * least TRANSFER_REF_MIN_DIGITS), their progress meters, the events the UI hears about them
 * and the callers waiting for one to end. The service (transfers.ts) drives them.
 */
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { ConversationId } from '../conversations/ids.js';
import type { PeerEvents } from '../events.js';
import type { KvOp } from '../store.js';
import { type OfferInfo, TRANSFER_REF_MIN_DIGITS, type TransferInfo } from './api.js';
import { makeDownloadDir } from './download-path.js';
import { Download } from './downloads.js';
import { decide, offerInfo, overLimit } from './offers.js';
import { ProgressMeter } from './progress.js';
import { type IncomingRecord, incomingOps, type TransferError } from './records.js';
import { safeDisplayName } from './safe-name.js';
import { downloadDirOf, type FileSettings } from './settings.js';
import { TransferCode, transferError } from './transfer-errors.js';
import type { Upload } from './uploads.js';
import { byTime, downloadInfo, isTerminal, uploadInfo } from './views.js';

type Transfer = Upload | Download;

export class TransferBook {
  private readonly all = new Map<string, Transfer>();
  private readonly meters = new Map<string, ProgressMeter>();
  private readonly waiters = new Map<string, ((info: TransferInfo) => void)[]>();
  private readonly told = new Set<string>();
  private lastOfferAtMs = 0;

  constructor(
    private readonly events: PeerEvents,
    private readonly clock: Clock,
    public settings: FileSettings,
    private readonly write: (ops: KvOp[]) => Promise<void>,
    private readonly link: { send(frame: Frame): boolean },
    /** A download just ended (received, declined or failed): its sender may be owed an answer. */
    private readonly ended: (r: IncomingRecord) => void = () => undefined,
    /** A group's name now: a file offered before a rename is listed under the new one. */
    private readonly groupName: (c: ConversationId) => string | undefined = () => undefined,
  ) {}

  addUpload(u: Upload): void {
    this.add(u.record.offer.transferId, u);
  }

  addDownload(d: Download): void {
    this.add(d.record.offer.transferId, d);
    this.lastOfferAtMs = Math.max(this.lastOfferAtMs, d.record.offeredAtMs);
  }

  /**
   * When a new offer arrived: `nowMs`, or a millisecond after the last one, so offers fetched
   * in one batch keep the relay's order where their senders' times tie (byTime; a files trial
   * saw them by id).
   */
  offerTime(nowMs: number): number {
    this.lastOfferAtMs = Math.max(nowMs, this.lastOfferAtMs + 1);
    return this.lastOfferAtMs;
  }

  has(id: string): boolean {
    return this.all.has(id);
  }

  upload(id: string): Upload | undefined {
    const t = this.all.get(id);
    return t === undefined || t instanceof Download ? undefined : t;
  }

  download(id: string): Download | undefined {
    const t = this.all.get(id);
    return t instanceof Download ? t : undefined;
  }

  /**
   * A FileChunkAck from the relay: an upload's progress (or refusal), or, for a download, the
   * transfer is gone (the sender cancelled it, or it expired): the download fails with its
   * code (E_FILE_CANCELLED, E_FILE_UNKNOWN) instead of waiting for chunks that never come.
   */
  chunkAck(frame: FrameOf<'file-chunk-ack'>): void {
    const id = toHex(frame.transferId);
    const d = this.download(id);
    if (d === undefined) this.upload(id)?.onAck(frame);
    else if (frame.code !== '') d.fail({ code: frame.code, message: `download: ${frame.reason}` });
  }

  uploads(): Upload[] {
    return [...this.all.values()].filter((t): t is Upload => !(t instanceof Download));
  }

  downloads(): Download[] {
    return [...this.all.values()].filter((t): t is Download => t instanceof Download);
  }

  /** The transfer whose id starts with `ref`. E_UNKNOWN_TRANSFER, E_AMBIGUOUS_TRANSFER. */
  ref(ref: string): Transfer {
    const prefix = ref.trim().toLowerCase();
    if (!/^[0-9a-f]+$/.test(prefix) || prefix.length < TRANSFER_REF_MIN_DIGITS) {
      throw transferError(
        TransferCode.UnknownTransfer,
        `transfer: '${ref}' is not a transfer id (at least ${TRANSFER_REF_MIN_DIGITS} hex digits)`,
      );
    }
    const found = [...this.all.entries()].filter(([id]) => id.startsWith(prefix));
    if (found.length === 0) {
      throw transferError(TransferCode.UnknownTransfer, `transfer: no transfer ${prefix}`);
    }
    if (found.length > 1) {
      throw transferError(
        TransferCode.AmbiguousTransfer,
        `transfer: ${found.length} transfers start with ${prefix}: type more digits`,
      );
    }
    return found[0]![1];
  }

  /** Like ref(), for an incoming offer only. */
  downloadRef(ref: string): Download {
    const t = this.ref(ref);
    if (!(t instanceof Download)) {
      throw transferError(TransferCode.UnknownTransfer, `transfer: ${ref} is not an incoming file`);
    }
    return t;
  }

  info(t: Transfer): TransferInfo {
    const id = t.record.offer.transferId;
    const meter = this.meters.get(id) ?? new ProgressMeter();
    const now = this.clock.now();
    const named = this.named(t.record.conversation);
    const info = t instanceof Download ? downloadInfo(t, meter, now) : uploadInfo(t, meter, now);
    if (named !== undefined && info.peer.startsWith('#')) info.peer = `#${named}`;
    // Nothing moves while the link is down: 'waiting' (api.ts), not the last rate and ETA.
    if (!this.offline || info.state !== 'running') return info;
    return { ...info, state: 'waiting', rateBytesPerSec: 0, etaMs: null, waitingForSender: false };
  }

  /** offerInfo(), its group under the group's name now. */
  private offerNow(r: IncomingRecord): OfferInfo {
    const info = offerInfo(r);
    const named = info.group === null ? undefined : this.named(r.conversation);
    return named === undefined ? info : { ...info, group: named };
  }

  private named(conversation: ConversationId): string | undefined {
    const name = this.groupName(conversation);
    return name === undefined ? undefined : safeDisplayName(name);
  }

  /** No session is ready before the first one: what a profile holds 'running' waits for it. */
  private offline = true;
  /** Transfers whose last progress event said they wait for the sender (changed()). */
  private readonly saidWaiting = new Set<string>();

  /**
   * The link dropped (true) or a session is ready again (false). Going down is told at
   * once for every transfer under way, as 'waiting': a progress line or bar froze at its
   * last rate while the relay was away (a new-user trial).
   */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    const running = [...this.all.values()].filter((t) => this.info(t).state === 'running');
    this.offline = offline;
    if (offline) for (const t of running) this.events.emit('transfer:progress', this.info(t));
  }

  /** Uploads, and downloads once accepted, oldest first (byTime). */
  list(): TransferInfo[] {
    return byTime([...this.all.values()])
      .filter((t) => !(t instanceof Download) || t.record.dir !== null)
      .map((t) => this.info(t));
  }

  /** Every incoming offer, whatever its state, oldest first (byTime). */
  offers(): OfferInfo[] {
    return byTime(this.downloads()).map((dl) => this.offerNow(dl.record));
  }

  /**
   * The client closes: every transfer stops, and a download's last checkpoint (stop(false))
   * is recorded before this resolves, so the store closes after it (a trial's Ctrl-C on
   * `accept` left 24 MiB on disk that the record did not count, and fetched them again).
   */
  async stopAll(): Promise<void> {
    for (const u of this.uploads()) void u.stop();
    const active = this.downloads().filter((dl) => dl.active);
    await Promise.all(active.map((dl) => dl.stop(false)));
    if (active.length === 0) return;
    await this.write(active.flatMap((dl) => incomingOps(dl.record))).catch(() => undefined);
  }

  /** Resolves once the transfer is done, failed or cancelled (at once if it is). */
  wait(ref: string): Promise<TransferInfo> {
    const t = this.ref(ref);
    const info = this.info(t);
    if (isTerminal(info.state)) return Promise.resolve(info);
    const id = t.record.offer.transferId;
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Progress or a state change: the meter, the events, the waiters. */
  changed(t: Transfer): void {
    const id = t.record.offer.transferId;
    const now = this.clock.now();
    const meter = this.meters.get(id) ?? new ProgressMeter();
    this.meters.set(id, meter);
    meter.record(now, t.doneBytes);
    const info = this.info(t);
    if (!isTerminal(info.state)) {
      // Waiting for the sender (or no longer) is said at once, throttle or not: it comes
      // right after the accept's own event, and nothing moves after it (a trial saw 0%).
      const flipped = info.waitingForSender !== this.saidWaiting.has(id);
      if (!flipped && !meter.shouldEmit(now)) return;
      if (info.waitingForSender) this.saidWaiting.add(id);
      else this.saidWaiting.delete(id);
      this.events.emit('transfer:progress', info);
      return;
    }
    this.saidWaiting.delete(id);
    if (this.told.has(id)) return;
    this.told.add(id);
    if (t instanceof Download) this.ended(t.record);
    if (t instanceof Download && t.record.state === 'received') {
      this.events.emit('file:received', this.offerNow(t.record));
    }
    this.events.emit('transfer:finished', info);
    const waiting = this.waiters.get(id) ?? [];
    this.waiters.delete(id);
    for (const w of waiting) w(info);
  }

  /** A new offer is durable: decide about it unasked, then announce it. */
  async arrived(id: string, accept: (dl: Download) => Promise<void>): Promise<void> {
    const dl = this.download(id);
    if (dl === undefined) return;
    const decision = decide(dl.record, this.settings);
    try {
      if (decision === 'decline') {
        await this.finishDownload(dl, overLimit(dl.record, this.settings));
      } else if (decision === 'accept') {
        await accept(dl);
      }
    } finally {
      // Announced whatever happened: an auto-accept that failed leaves it offered.
      this.events.emit('file:offer', this.offerNow(dl.record));
    }
  }

  /** Accepted: the folder made (0700), the record durable. */
  async acceptDownload(dl: Download, dir: string | null): Promise<void> {
    const folder = dir ?? downloadDirOf(this.settings);
    await makeDownloadDir(folder);
    dl.record.dir = folder;
    dl.record.state = 'accepted';
    dl.record.durableChunks = 0;
    dl.record.error = null; // accepted again after a failure: its end is told again too
    this.told.delete(dl.record.offer.transferId);
    await this.write(incomingOps(dl.record));
    this.changed(dl);
  }

  /** Declined (by the user, or over the limit): the relay told, the part file removed. */
  async finishDownload(dl: Download, error: TransferError | null): Promise<void> {
    await dl.stop(true);
    dl.record.state = 'declined';
    dl.record.error = error;
    dl.record.replied = false;
    dl.record.doneSent = this.link.send({
      type: 'file-done',
      transferId: dl.transferId,
      outcome: 'declined',
    });
    await this.write(incomingOps(dl.record));
    this.changed(dl);
  }

  private add(id: string, t: Transfer): void {
    this.all.set(id, t);
    if (isTerminal(this.info(t).state)) this.told.add(id);
  }
}
