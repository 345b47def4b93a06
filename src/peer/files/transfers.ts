/**
 * The file-transfer service (issue 12, docs/files.md): owns every upload and download of the
 * profile, their records in the store, the receiver's settings, and the wiring to the relay
 * link (components.ts calls onReady, onOffline, onWritable and the frame handlers). The
 * facade (client-files.ts) calls the methods below; the offer messages themselves go through
 * the ordinary outbox (OfferPoster), so an offer to someone offline waits like any message.
 */
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { RELAY_FEATURE_FILES } from '../../wire/limits.js';
import type { FileOffer, Frame, FrameOf } from '../../wire/types.js';
import type { PeerEvents } from '../events.js';
import { LinkCode, linkError } from '../link/errors.js';
import type { Requests } from '../link/requests.js';
import type { PeerStore } from '../store.js';
import type { FileTarget, OfferInfo, TransferInfo } from './api.js';
import { TransferBook } from './book.js';
import { type CancelIn, FileCancels, refuseCancelled } from './cancels.js';
import { Download } from './downloads.js';
import { firstPut, postAccepted } from './first-put.js';
import type { TransfersLoaded } from './loaded.js';
import { buildOutgoing, chunkBytesOf, type OfferPoster } from './offer-build.js';
import { checkOfferEntries } from './offer-entries.js';
import type { OfferSink } from './offer-sink.js';
import { intakeOffer, type OfferMeta } from './offers.js';
import { tellOutcomes } from './outcomes.js';
import { type IncomingRecord, incomingOps, outgoingOps } from './records.js';
import { FileReplies, type ReplyIn } from './replies.js';
import { type FileSettings, mergeSettings, settingsOps } from './settings.js';
import { planStream } from './stream-source.js';
import { TransferEnv } from './transfer-env.js';
import { putRefusal, TransferCode, transferError } from './transfer-errors.js';
import { Upload } from './uploads.js';

export { loadTransfers, type TransfersLoaded } from './loaded.js';
export type { OfferPoster, ResolvedTarget } from './offer-build.js';

export interface TransfersDeps {
  store: PeerStore;
  link: {
    readonly ready: boolean;
    readonly writable: boolean;
    send(frame: Frame): boolean;
    /** A frame encoded already, length prefix included (file chunks: uploads.ts). */
    sendFramed(bytes: Buffer): boolean;
  };
  requests: Pick<Requests, 'request'>;
  poster: OfferPoster;
  events: PeerEvents;
  clock: Clock;
}

export class FileTransfers implements OfferSink {
  readonly book: TransferBook;
  readonly replies: FileReplies; // answers to offers, mine and to mine (replies.ts)
  private readonly cancels: FileCancels; // senders' cancels of offers to me (cancels.ts)
  /** What each upload and download is given; owns their retry timers. */
  private readonly env: TransferEnv;
  /** The ready relay announced RELAY_FEATURE_FILES; false before the first Ready. */
  private relayServesFiles = false;

  constructor(
    private readonly d: TransfersDeps,
    loaded: TransfersLoaded,
  ) {
    this.book = new TransferBook(
      d.events,
      d.clock,
      loaded.settings,
      (ops) => d.store.write(ops),
      d.link,
      (r) => this.replies.ended(r),
      (conversation) => d.poster.groupName?.(conversation),
    );
    this.replies = new FileReplies({ ...d, book: this.book });
    this.cancels = new FileCancels({ ...d, book: this.book }, loaded.earlyCancels);
    this.env = new TransferEnv({ ...d, book: this.book });
    for (const r of loaded.outgoing) this.book.addUpload(new Upload(r, this.env.uploadDeps()));
    for (const r of loaded.incoming)
      this.book.addDownload(new Download(r, this.env.downloadDeps()));
  }

  // --- the link

  /**
   * A session is ready with a relay that announced `features` (Challenge.features). A relay
   * from before file transfer would close the session on any file frame: nothing is sent
   * to it, and sending or accepting says E_RELAY_NO_FILES until a relay that serves files.
   */
  onReady(features: number): void {
    this.book.setOffline(false);
    this.relayServesFiles = (features & RELAY_FEATURE_FILES) !== 0;
    if (!this.relayServesFiles) return;
    this.d.link.send({
      type: 'file-policy',
      maxIncomingBytes: this.book.settings.maxIncomingBytes,
    });
    for (const u of this.book.uploads()) void u.resume();
    for (const dl of this.book.downloads()) void dl.resume();
    const told = tellOutcomes(this.book.uploads(), this.book.downloads(), this.d.link);
    void this.d.store.write(told).catch(() => undefined);
    this.replies.owed();
  }

  private checkRelayServesFiles(step: string): void {
    if (this.relayServesFiles) return;
    throw transferError(
      TransferCode.RelayNoFiles,
      `${step}: the relay predates file transfer (update the relay to natter with files)`,
    );
  }

  onOffline(): void {
    for (const u of this.book.uploads()) u.offline();
    for (const dl of this.book.downloads()) dl.offline();
    this.book.setOffline(true);
  }

  onWritable(): void {
    for (const u of this.book.uploads()) if (u.active) void u.pump();
  }

  onChunk(frame: FrameOf<'file-chunk'>): void {
    this.book.download(toHex(frame.transferId))?.onChunk(frame);
  }

  onChunkAck(frame: FrameOf<'file-chunk-ack'>): void {
    this.book.chunkAck(frame);
  }

  // --- sending

  /** See ClientFiles.sendFile. */
  async send(
    target: FileTarget,
    paths: string[],
    opts: { chunkBytes?: number } = {},
  ): Promise<TransferInfo> {
    const chunkBytes = chunkBytesOf(opts.chunkBytes);
    const plan = await planStream(paths);
    if (!this.d.link.ready) {
      throw linkError(LinkCode.Offline, 'send file: not connected to the relay');
    }
    this.checkRelayServesFiles('send file');
    const dest = await this.d.poster.resolve(target);
    const { record } = await buildOutgoing(plan, chunkBytes, dest, this.d.clock.now());
    const upload = new Upload(record, this.env.uploadDeps());
    const reply = await firstPut(this.d.requests, record);
    if (reply === null) return this.queue(upload);
    if (reply.code !== '') throw putRefusal(plan, dest.peer, reply);
    await postAccepted(this.d, record, reply);
    this.book.addUpload(upload);
    upload.started(Number(reply.haveChunks));
    return this.book.info(upload);
  }

  /** The link went before the relay took the put: the send waits for it (first-put.ts). */
  private async queue(upload: Upload): Promise<TransferInfo> {
    upload.record.offerPending = true;
    await this.d.store.write(outgoingOps(upload.record));
    this.book.addUpload(upload);
    void upload.resume(); // the link may be back already: onReady has passed it by
    return this.book.info(upload);
  }

  // --- receiving

  /**
   * A new offer in a delivery batch: the record's ops, or none for a transfer known already
   * (never overwritten). It joins the book only once the batch is durable (arrived()): a
   * batch that fails to write is redelivered and taken afresh.
   */
  intakeOps(
    offer: FileOffer,
    meta: OfferMeta,
  ): { ops: ReturnType<typeof incomingOps>; record: IncomingRecord } | null {
    const id = toHex(offer.transferId);
    if (this.book.has(id)) return null;
    const record = intakeOffer(offer, { ...meta, nowMs: this.book.offerTime(meta.nowMs) });
    const early = this.cancels.intakeOps(record);
    return { ops: [...incomingOps(record), ...early], record };
  }

  /** Offers of a batch that is durable now: decided, announced. */
  arrived(records: IncomingRecord[]): void {
    for (const r of records) {
      if (this.book.has(r.offer.transferId)) continue;
      this.book.addDownload(new Download(r, this.env.downloadDeps()));
      this.book
        .arrived(r.offer.transferId, (dl) => this.startDownload(dl, null))
        .catch((err: unknown) => {
          // Auto-accept could not make the folder, say: the offer stays, the user is told.
          this.d.events.emit('error', { ...describeError(err), fatal: false });
        });
    }
  }

  /** Answers to my uploads from a batch that is durable now (OfferSink). */
  replied(replies: readonly ReplyIn[]): void {
    this.replies.take(replies);
  }

  /** Senders' cancels of offers to me from a batch that is durable now (OfferSink). */
  cancelled(cancels: readonly CancelIn[]): void {
    this.cancels.received(cancels).catch((err: unknown) => {
      this.d.events.emit('error', { ...describeError(err), fatal: false });
    });
  }

  async accept(ref: string, opts: { dir?: string } = {}): Promise<TransferInfo> {
    const dl = this.book.downloadRef(ref);
    refuseCancelled('accept', dl.record); // locally, relay or none (cancels.ts)
    this.checkRelayServesFiles('accept');
    // A failed download is taken again from the start (the relay keeps the file until all
    // recipients answered or it expires: then the relay's refusal says so).
    if (dl.record.state !== 'offered' && dl.record.state !== 'failed') {
      throw transferError(
        TransferCode.BadState,
        `accept: ${dl.record.offer.name} is ${dl.record.state}, not offered`,
      );
    }
    // An offer that cannot be saved whole (an unsafe or contradictory entry list) is refused
    // before anything is fetched or written: E_FILE_BAD_PATH or E_FILE_BAD_OFFER.
    checkOfferEntries(dl.record.offer.entries, dl.record.offer.several === true);
    await dl.failing; // its part file closed and removed before another is opened
    await this.startDownload(dl, opts.dir ?? null);
    return this.book.info(dl);
  }

  async decline(ref: string): Promise<void> {
    const dl = this.book.downloadRef(ref);
    if (dl.record.state !== 'offered' && dl.record.state !== 'accepted') {
      throw transferError(
        TransferCode.BadState,
        `decline: ${dl.record.offer.name} is ${dl.record.state}`,
      );
    }
    await this.book.finishDownload(dl, null);
  }

  /**
   * An upload, running or done (its blob waits on the relay for recipients), is dropped for
   * everyone; a download is declined. E_FILE_BAD_STATE once failed or cancelled.
   */
  async cancel(ref: string): Promise<void> {
    const t = this.book.ref(ref);
    if (t instanceof Download) return this.decline(ref);
    if (t.record.state === 'failed' || t.record.state === 'cancelled') {
      throw transferError(
        TransferCode.BadState,
        `cancel: ${t.record.offer.name} is ${t.record.state} already`,
      );
    }
    t.record.state = 'cancelled';
    t.record.error = { code: TransferCode.Cancelled, message: 'cancelled by you' };
    t.record.doneSent = this.d.link.send({
      type: 'file-done',
      transferId: t.transferId,
      outcome: 'cancelled',
    });
    await t.stop();
    // Its recipients are told too, in the same write (cancels.ts), if they had the offer.
    const pending = t.record.offerPending === true;
    const tell = pending ? [] : this.d.poster.cancelOps(t.record, this.d.clock.now());
    await this.d.store.write([...outgoingOps(t.record), ...tell]);
    this.d.poster.kick();
    this.book.changed(t);
  }

  /** Chunks sent by an upload in all, resends included. */
  chunksSent(ref: string): number {
    const t = this.book.ref(ref);
    return t instanceof Download ? 0 : t.chunksSent;
  }

  offers(): OfferInfo[] {
    return this.book.offers();
  }

  async setSettings(partial: Partial<FileSettings>): Promise<FileSettings> {
    const next = mergeSettings(this.book.settings, partial);
    await this.d.store.write(settingsOps(next));
    this.book.settings = next;
    if (this.d.link.ready && this.relayServesFiles)
      this.d.link.send({ type: 'file-policy', maxIncomingBytes: next.maxIncomingBytes });
    return next;
  }

  close(): Promise<void> {
    this.env.close();
    return this.book.stopAll();
  }

  private async startDownload(dl: Download, dir: string | null): Promise<void> {
    await this.book.acceptDownload(dl, dir);
    if (dl.record.state === 'accepted' && this.relayServesFiles) void dl.resume();
  }
}
