/**
 * What the service gives each upload and download machine (uploads.ts, downloads.ts): the
 * relay link, its file-put or file-get request, persistence of its record (then the book
 * told, for the UI), and Clock timers for its retries. The timers are owned here so the
 * service cancels every pending retry at once when it closes, and none starts after.
 */
import type { Clock, Timer } from '../../util/clock.js';
import type { ReplyTo, RequestBody, Requests } from '../link/requests.js';
import type { PeerStore } from '../store.js';
import type { TransferBook } from './book.js';
import type { Download, DownloadDeps } from './downloads.js';
import { type OfferPostDeps, postAccepted } from './first-put.js';
import { incomingOps, outgoingOps } from './records.js';
import type { Upload, UploadDeps } from './uploads.js';

export interface TransferEnvDeps {
  store: PeerStore;
  /** The link an upload needs (sendFramed for its chunks) serves a download too. */
  link: UploadDeps['link'];
  requests: Pick<Requests, 'request'>;
  clock: Clock;
  /** Told of every change to a transfer: it updates the progress and tells the UI. */
  book: Pick<TransferBook, 'changed'>;
  /** Posts a queued send's offer once the relay accepted its put (first-put.ts). */
  poster: OfferPostDeps['poster'];
}

export class TransferEnv {
  private readonly timers = new Set<Timer>();
  private closed = false;

  constructor(private readonly d: TransferEnvDeps) {}

  /** Runs `fn` in `ms` on the clock, unless the service closed meanwhile. */
  later(fn: () => void, ms: number): void {
    if (this.closed) return;
    const t = this.d.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Cancels every pending timer; later() does nothing from now on. Safe to repeat. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) this.d.clock.clearTimeout(t);
    this.timers.clear();
  }

  uploadDeps(): UploadDeps {
    return {
      link: this.d.link,
      put: (body: RequestBody<'file-put'>): Promise<ReplyTo<'file-put'>> =>
        this.d.requests.request('file-put', body),
      changed: (u: Upload, persist: boolean) => {
        if (persist) void this.d.store.write(outgoingOps(u.record)).catch(() => undefined);
        this.d.book.changed(u);
      },
      later: (fn: () => void, ms: number) => this.later(fn, ms),
      offerAccepted: (record, reply) => postAccepted(this.d, record, reply),
    };
  }

  downloadDeps(): DownloadDeps {
    return {
      link: this.d.link,
      later: (fn: () => void, ms: number) => this.later(fn, ms),
      get: (body: RequestBody<'file-get'>): Promise<ReplyTo<'file-get'>> =>
        this.d.requests.request('file-get', body),
      changed: (dl: Download, durable: boolean) => {
        if (durable) void this.d.store.write(incomingOps(dl.record)).catch(() => undefined);
        this.d.book.changed(dl);
      },
    };
  }
}
