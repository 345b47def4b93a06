/**
 * The mail one session was pushed early (held-mail.ts), by early seq and by message id,
 * so that the stored copy which follows when a hold ended before the ack (published to
 * JetStream, then pushed by the session's consumer) is not pushed to the same session
 * again: the client has it. The copy is still deleted only on the client's ack: of the
 * early seq, which then acks the stored seq too (at once if it came first). A session
 * that ends first leaves the copy stored; the next one delivers it, and the client drops
 * it as a copy. Holds the last EARLY_REMEMBERED early pushes; an older one's copy is
 * pushed as any mail.
 */

import { isEarlySeq } from './held-mail.js';

/** Early pushes a session remembers; an older one's ack is ignored and its copy pushed. */
export const EARLY_REMEMBERED = 1024;

interface Early {
  readonly seq: number;
  readonly msgId: string;
  acked: boolean;
  /** The stream seq of its stored copy, once that came (0 before). */
  stored: number;
}

/** What to do with stored mail: push it, skip it (a copy), or skip it and ack it. */
export type CopyOutcome = 'push' | 'skip' | 'ack';

export class EarlyCopies {
  private readonly bySeq = new Map<number, Early>();
  private readonly byId = new Map<string, Early>();
  /**
   * The last EARLY_REMEMBERED pushes in order, to forget the oldest. Not the maps' own
   * order: a Map keeps a deleted entry's slot until it next grows, so taking the first of
   * its values walked past up to a thousand holes on every push (12% of a JetStream
   * relay's main thread at saturation).
   */
  private readonly ring = new Array<Early | undefined>(EARLY_REMEMBERED).fill(undefined);
  private next = 0;

  /** Pushed early at `seq`; stored, if it ever is, under message id `msgId`. */
  pushed(seq: number, msgId: string): void {
    const e: Early = { seq, msgId, acked: false, stored: 0 };
    const oldest = this.ring[this.next];
    if (oldest !== undefined && this.bySeq.get(oldest.seq) === oldest) this.forget(oldest);
    this.ring[this.next] = e;
    this.next = (this.next + 1) % EARLY_REMEMBERED;
    this.bySeq.set(seq, e);
    this.byId.set(msgId, e);
  }

  /**
   * A DeliverAck's seqs: each early one pushed here goes to `taken` (its hold), and what
   * comes back is the stream seqs to ack, the stored copies of early mail among them.
   * `taken` says whether the hold was taken back before it published: then no copy can
   * come, and the push is forgotten at once (the maps stay the size of what is in flight).
   */
  ackOf(seqs: readonly number[], taken: (earlySeq: number) => boolean): readonly number[] {
    if (!seqs.some(isEarlySeq)) return seqs;
    const stored: number[] = [];
    for (const seq of seqs) {
      if (!isEarlySeq(seq)) {
        stored.push(seq);
        continue;
      }
      // Not pushed here (or pushed out of memory), or acked before: it counts for nothing.
      const e = this.bySeq.get(seq);
      if (e === undefined || e.acked) continue;
      e.acked = true;
      const unpublished = taken(seq);
      if (e.stored !== 0) stored.push(e.stored);
      // Its copy came and is acked with it, or none can come: nothing left to match.
      if (e.stored !== 0 || unpublished) this.forget(e);
    }
    return stored;
  }

  /** Whether the stored copy of `msgId` is one of early mail pushed here (not yet met). */
  has(msgId: string): boolean {
    return this.byId.has(msgId);
  }

  /** Stored mail at stream `seq` with message id `msgId`, about to be pushed. */
  stored(seq: number, msgId: string | null): CopyOutcome {
    const e = msgId === null ? undefined : this.byId.get(msgId);
    if (e === undefined) return 'push';
    if (e.acked) {
      this.forget(e);
      return 'ack';
    }
    e.stored = seq;
    this.byId.delete(e.msgId);
    return 'skip';
  }

  private forget(e: Early): void {
    this.bySeq.delete(e.seq);
    if (this.byId.get(e.msgId) === e) this.byId.delete(e.msgId);
  }
}
