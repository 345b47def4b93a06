/**
 * A recipient's answer to a file offer, told to the person who sent it (docs/files.md,
 * "Answers"). FileDone tells the relay how a transfer ended; this tells its sender: an
 * ordinary end-to-end message (content 'file-reply') to the key the offer came from, through
 * the outbox, so it waits on the relay while the sender is away and is retried like any.
 *
 * Receiving a file: a download that ends received or declined marks its record
 * `replied: false` in the write that stores that state, and `replied: true` in the write that
 * queues the answer (OfferPost.reply), so a crash between the two is answered at the next
 * session (owed()). A download that failed owes nothing: it may still be accepted again.
 *
 * Sending one: an answer is taken only from someone the upload was offered to (by user id, or
 * a member of its group, not one the relay left out of it) and only once per person; anyone
 * else's is ignored. It is kept in
 * the upload's record (`replies`) and announced as 'file:reply'.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { FileReplyOutcome } from '../../wire/types.js';
import type { PeerEvents } from '../events.js';
import type { PeerStore } from '../store.js';
import type { FileReplyInfo } from './api.js';
import type { TransferBook } from './book.js';
import { type IncomingRecord, type OutgoingRecord, outgoingOps } from './records.js';
import { safeDisplayName } from './safe-name.js';
import type { Upload } from './uploads.js';

/** Where answers leave and who may send one (offer-post.ts). */
export interface ReplyPoster {
  reply(record: IncomingRecord, outcome: FileReplyOutcome, nowMs: number): Promise<void>;
  isRecipient(record: OutgoingRecord, userId: string): boolean;
}

/** An answer from a delivery batch that is durable now (incoming-kinds.ts). */
export interface ReplyIn {
  /** The sender's user id, hex: authenticated by the box. */
  from: string;
  /** The name they sent it under (peer text). */
  name: string;
  /** The upload's transfer id, hex. */
  transferId: string;
  outcome: FileReplyOutcome;
}

export interface FileRepliesDeps {
  store: PeerStore;
  poster: ReplyPoster;
  events: PeerEvents;
  clock: Clock;
  book: Pick<TransferBook, 'upload' | 'uploads' | 'downloads' | 'info'>;
}

export class FileReplies {
  constructor(private readonly d: FileRepliesDeps) {}

  /** A download ended (TransferBook): answers its sender if it owes an answer. */
  ended(record: IncomingRecord): void {
    const outcome = record.state;
    if (record.replied !== false || (outcome !== 'received' && outcome !== 'declined')) return;
    this.d.poster.reply(record, outcome, this.d.clock.now()).catch((err: unknown) => {
      // Still owed (the record says replied: false): owed() tries again next session.
      record.replied = false;
      this.d.events.emit('error', { ...describeError(err), fatal: false });
    });
  }

  /** Every answer still owed (a crash between a download's end and its answer). */
  owed(): void {
    for (const dl of this.d.book.downloads()) this.ended(dl.record);
  }

  /** Answers to my uploads from a batch that is durable now; a failed write is told as an error. */
  take(replies: readonly ReplyIn[]): void {
    this.received(replies).catch((err: unknown) => {
      this.d.events.emit('error', { ...describeError(err), fatal: false });
    });
  }

  async received(replies: readonly ReplyIn[]): Promise<void> {
    for (const r of replies) {
      const upload = this.d.book.upload(r.transferId);
      if (upload === undefined) continue;
      const record = upload.record;
      const known = record.replies ?? [];
      if (known.some((k) => k.userId === r.from)) continue;
      // Left out over their limit: the sender was told at once, and their client's decline
      // (offers.ts overLimit) would only say it again.
      if (record.leftOut?.some((k) => k.userId === r.from)) continue;
      if (!this.d.poster.isRecipient(record, r.from)) continue;
      const name = safeDisplayName(r.name);
      record.replies = [
        ...known,
        { userId: r.from, name, outcome: r.outcome, atMs: this.d.clock.now(), told: false },
      ];
      await this.d.store.write(outgoingOps(record));
      this.d.events.emit('file:reply', this.infoOf(upload, name, r.outcome));
    }
  }

  /**
   * Answers no UI has taken yet, oldest first, each returned once (marked told, durably):
   * one that came while nothing showed it (a `natter send` connected, say) is shown by the
   * next chat or inbox, as unread messages are (a new-user trial found them in
   * `natter transfers` only). A UI that shows the 'file:reply' event takes it here too.
   */
  async untold(): Promise<FileReplyInfo[]> {
    const found: { atMs: number; info: FileReplyInfo }[] = [];
    const ops = [];
    for (const upload of this.d.book.uploads()) {
      const waiting = (upload.record.replies ?? []).filter((r) => r.told === false);
      if (waiting.length === 0) continue;
      for (const r of waiting) {
        r.told = true;
        found.push({ atMs: r.atMs, info: this.infoOf(upload, r.name, r.outcome) });
      }
      ops.push(...outgoingOps(upload.record));
    }
    if (ops.length > 0) await this.d.store.write(ops);
    return found.sort((a, b) => a.atMs - b.atMs).map((f) => f.info);
  }

  private infoOf(upload: Upload, name: string, outcome: FileReplyOutcome): FileReplyInfo {
    return {
      transfer: this.d.book.info(upload),
      conversation: upload.record.conversation,
      reply: { name, outcome },
    };
  }
}
