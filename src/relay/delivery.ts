/**
 * Delivery to one ready session: the cursor (highest seq pushed on this
 * connection), the live and early offers, and catch-up from the store. While
 * `catchingUp`, pushes come from the store (pump) instead of the live path, so
 * a session receives each mail once, in seq order, whatever mix of paths it
 * sees (docs/decisions.md, "Deliver while storing").
 *
 * A catch-up read that fails (LevelDB's I/O error) is said to a client that announced
 * CLIENT_FEATURE_STORE_STATUS as StoreStatus E_STORE_UNAVAILABLE, and tried again every
 * STORE_PROBE_MS; the first read that works says the store is back and goes on. The
 * session stays: its client's inbox says "cannot reach its mail store" instead of "no
 * new messages". An older client is ended with E_INTERNAL as before (its reconnect
 * reads again). Nothing is acked or deleted either way (docs/decisions.md, "The store's
 * state through a running client, and a standalone relay's read failure").
 */
import type { Clock, Timer } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { CLIENT_FEATURE_STORE_STATUS } from '../wire/limits.js';
import type { Frame } from '../wire/types.js';
import { DeliveryWindow } from './delivery-window.js';
import { SessionCode, type SessionCodeValue } from './errors.js';
import type { RelayLimits } from './limits.js';
import type { MailStore, StoredMail } from './mail-store.js';
import { STORE_PROBE_MS, storeStatusFrame } from './store-reach.js';

/** What delivery needs of its connection. */
export interface DeliveryLink {
  readonly userHex: string;
  /** Ready and not closing. */
  readonly ready: boolean;
  /** Bytes queued and not yet taken by the kernel. */
  readonly bufferedBytes: number;
  sendEncoded(body: Uint8Array): void;
  /** A frame (StoreStatus, when stored mail cannot be read). */
  send(frame: Frame): void;
  /** The client understands this CLIENT_FEATURE_* bit (Hello.features). */
  understands(feature: number): boolean;
  fail(code: SessionCodeValue, message: string): void;
}

/**
 * One session's delivery of 1:1 mail, as the session drives it: from a mail
 * store read back in pages (Delivery, here), or, in a cluster, pushed by a
 * JetStream consumer (cluster/stream-delivery.ts). MailStore.deliveryFor makes it.
 */
export interface SessionDelivery {
  /** The session just became ready: deliver what is stored. */
  start(): void;
  /** Durable mail for this user (the live path). */
  offer(mail: StoredMail): void;
  /** Mail still being written (the early push): true if pushed. */
  offerEarly(mail: StoredMail, prevSeq: number): boolean;
  /** The socket drained or a write went out whole. */
  resume(): void;
  /** The user acknowledged these seqs (DeliverAck): their mail may go. */
  ack(seqs: readonly number[]): void;
  /** The session closed. */
  stop(): void;
}

export class Delivery implements SessionDelivery {
  private cursor = 0;
  private catchingUp = false;
  private pumping = false;
  private latestOffered = 0;
  /** The last catch-up read failed and the client was told so. */
  private unreadable = false;
  /** The next try of a failed catch-up read. */
  private retry: Timer | null = null;
  private readonly window: DeliveryWindow;

  constructor(
    private readonly link: DeliveryLink,
    private readonly mailbox: MailStore,
    private readonly limits: RelayLimits,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.window = new DeliveryWindow(limits.maxUnackedDeliveries, limits.maxUnackedDeliveryBytes);
  }

  /** The session just became ready: deliver what is stored. */
  start(): void {
    this.catchingUp = true;
    void this.pump();
  }

  /** Durable mail for this user (the live path). */
  offer(mail: StoredMail): void {
    if (!this.link.ready || mail.seq <= this.cursor) return;
    if (this.catchingUp || this.full()) {
      // Slow reader: stop pushing; the mail is durable and the pump reads it back on drain.
      if (mail.seq > this.latestOffered) this.latestOffered = mail.seq;
      this.catchingUp = true;
      return;
    }
    this.push(mail);
  }

  /**
   * Mail still being written: pushed only while keeping up and already pushed
   * the recipient's previous mail (`prevSeq`), so nothing before it can be
   * missing. Anything else waits for `offer`, once the mail is durable.
   */
  offerEarly(mail: StoredMail, prevSeq: number): boolean {
    if (!this.link.ready || this.catchingUp || this.cursor !== prevSeq || this.full()) return false;
    this.push(mail);
    return true;
  }

  ack(seqs: readonly number[]): void {
    this.mailbox.ack(this.link.userHex, seqs);
    if (this.window.acked(seqs)) this.resume();
  }

  /** The pump stops by itself once the link is not ready; a read waiting to be tried again is dropped. */
  stop(): void {
    if (this.retry !== null) this.clock.clearTimeout(this.retry);
    this.retry = null;
  }

  /** The socket drained, a write went out whole or an ack opened the window: resume a stalled catch-up. */
  resume(): void {
    // After a failed read, only its timer reads again: a drain or an ack does not hurry it.
    if (this.retry !== null) return;
    if (this.catchingUp && !this.pumping && this.link.ready) void this.pump();
  }

  private full(): boolean {
    return this.link.bufferedBytes >= this.limits.maxSessionBufferedBytes || this.window.full;
  }

  private push(mail: StoredMail): void {
    this.link.sendEncoded(mail.record);
    this.window.pushed(mail.seq, mail.record.length);
    this.cursor = mail.seq;
  }

  /** Catch-up: reads stored mail after the cursor until caught up or the socket is full. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.link.ready && this.catchingUp) {
        if (this.full()) return; // resumed on drain or ack
        // Everything offered before this read is durable, so the read sees it or it is gone.
        const wanted = this.latestOffered;
        const { mails, done } = await this.mailbox.read(
          this.link.userHex,
          this.cursor,
          this.limits.catchUpBatchMessages,
        );
        if (!this.link.ready) return;
        if (this.unreadable) this.readable();
        let stopped = false;
        for (const mail of mails) {
          if (mail.seq <= this.cursor) continue;
          if (this.full()) {
            stopped = true;
            break;
          }
          this.push(mail);
        }
        if (stopped || !done) continue;
        // Offered mail the read did not return was acknowledged (by another session of the
        // user) or expired meanwhile: waiting for it would read the store again and again.
        if (wanted > this.cursor) this.cursor = wanted;
        if (this.cursor >= this.latestOffered) this.catchingUp = false;
      }
    } catch (err) {
      this.unreadableNow(err);
    } finally {
      this.pumping = false;
    }
  }

  /** A catch-up read failed: said, and tried again later; or, to an older client, the end. */
  private unreadableNow(err: unknown): void {
    if (!this.link.understands(CLIENT_FEATURE_STORE_STATUS)) {
      this.log.error('catch-up read failed', describeError(err));
      this.link.fail(SessionCode.Internal, 'relay could not read stored mail');
      return;
    }
    if (!this.unreadable) {
      this.log.error('catch-up read failed; trying again', describeError(err));
      this.unreadable = true;
      this.link.send(storeStatusFrame(false));
    }
    if (this.retry !== null || !this.link.ready) return;
    this.retry = this.clock.setTimeout(() => {
      this.retry = null;
      this.resume();
    }, STORE_PROBE_MS);
  }

  /** A catch-up read worked again. */
  private readable(): void {
    this.unreadable = false;
    this.log.info('catch-up read works again');
    this.link.send(storeStatusFrame(true));
  }
}
