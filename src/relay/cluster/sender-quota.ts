/**
 * The sender quotas in a cluster (docs/decisions.md, "Issue 15: quotas in a cluster" and
 * "A sender's share of a mailbox in a cluster"): each relay counts the mail its own
 * senders stored and nobody has acknowledged yet, in all (maxPendingPerSender) and in each
 * recipient's mailbox (maxMailboxMessagesPerSender, maxMailboxBytesPerSender: a sender's
 * share, as the standalone mailbox keeps, so one sender cannot fill a mailbox that the
 * stream's per-subject limit closes to everyone). Acks through any relay reach it as notes
 * on natter.1.acked; mail older than the TTL is forgotten, as the stream expires it. A
 * relay that restarts starts counting afresh, and a sender with sessions on two relays has
 * a share on each: the quotas are per relay and best effort, where the recipient quota
 * (the stream's own limit) is exact.
 */
import type { RelayLimits } from '../limits.js';
import { addTo, type Share } from '../mail-shares.js';
import { type Refusal, SENDER_FULL, SHARE_FULL } from '../mail-store.js';

/**
 * One publish's part of its sender's share, from enqueue (before JetStream's ack, so a
 * burst within one turn cannot overshoot) until the mail is acknowledged, or at once when
 * it was not stored (refused, a duplicate, delivered while held).
 */
export interface Claim {
  readonly senderHex: string;
  readonly recipientHex: string;
  readonly bytes: number;
  /** Stored under a seq of this relay's: released by `gone`, not by `settled`. */
  storedAtMs: number | null;
}

type Limits = Pick<
  RelayLimits,
  'maxPendingPerSender' | 'maxMailboxMessagesPerSender' | 'maxMailboxBytesPerSender'
>;

export class SenderQuota {
  /** recipient -> seq -> the claim stored there; seqs in storage order. */
  private readonly own = new Map<string, Map<number, Claim>>();
  private readonly bySender = new Map<string, number>();
  /** recipient -> sender -> its share of that mailbox (stored and still publishing). */
  private readonly shares = new Map<string, Map<string, Share>>();

  constructor(private readonly limits: Limits) {}

  /** Why `senderHex` may not store `bytes` more for `recipientHex` now; null: it may. */
  refusal(senderHex: string, recipientHex: string, bytes: number): Refusal | null {
    if ((this.bySender.get(senderHex) ?? 0) >= this.limits.maxPendingPerSender) return SENDER_FULL;
    const share = this.shares.get(recipientHex)?.get(senderHex);
    if (share === undefined) return null;
    const { maxMailboxMessagesPerSender: most, maxMailboxBytesPerSender: mostBytes } = this.limits;
    return share.count >= most || share.bytes + bytes > mostBytes ? SHARE_FULL : null;
  }

  /** A publish begins: counted in its sender's share of the mailbox. */
  claim(senderHex: string, recipientHex: string, bytes: number): Claim {
    this.share(recipientHex, senderHex, 1, bytes);
    return { senderHex, recipientHex, bytes, storedAtMs: null };
  }

  /** JetStream stored it (not as a duplicate) at `seq`: pending until acknowledged. */
  stored(claim: Claim, seq: number, storedAtMs: number): void {
    let mine = this.own.get(claim.recipientHex);
    if (!mine) {
      mine = new Map();
      this.own.set(claim.recipientHex, mine);
    }
    claim.storedAtMs = storedAtMs;
    mine.set(seq, claim);
    this.bySender.set(claim.senderHex, (this.bySender.get(claim.senderHex) ?? 0) + 1);
  }

  /** The publish has its outcome: a claim that was not stored gives its part back. */
  settled(claim: Claim): void {
    if (claim.storedAtMs === null)
      this.share(claim.recipientHex, claim.senderHex, -1, -claim.bytes);
  }

  /** Mail acknowledged (or expired): its sender may store one more. */
  gone(recipientHex: string, seq: number): void {
    const mine = this.own.get(recipientHex);
    const mail = mine?.get(seq);
    if (!mine || !mail) return;
    mine.delete(seq);
    if (mine.size === 0) this.own.delete(recipientHex);
    const n = (this.bySender.get(mail.senderHex) ?? 1) - 1;
    if (n > 0) this.bySender.set(mail.senderHex, n);
    else this.bySender.delete(mail.senderHex);
    this.share(recipientHex, mail.senderHex, -1, -mail.bytes);
  }

  /** Every mail of `recipientHex` below `seq` is gone (a purge). */
  goneBelow(recipientHex: string, seq: number): void {
    const mine = this.own.get(recipientHex);
    if (!mine) return;
    for (const s of [...mine.keys()]) if (s < seq) this.gone(recipientHex, s);
  }

  /** Forgets mail stored before `cutoffMs` (the stream has expired it). */
  expire(cutoffMs: number): void {
    for (const [recipientHex, mine] of [...this.own]) {
      for (const [seq, mail] of [...mine]) {
        if ((mail.storedAtMs ?? 0) >= cutoffMs) break; // storage order
        this.gone(recipientHex, seq);
      }
    }
  }

  /** Another relay's note on natter.1.acked: that mail is gone. */
  heard(msg: { json<T>(): T }): void {
    try {
      const note = msg.json<{ r: string; s?: number[]; below?: number }>();
      for (const seq of note.s ?? []) this.gone(note.r, seq);
      if (note.below !== undefined) this.goneBelow(note.r, note.below);
    } catch {
      // Only relays publish here; a malformed note costs a quota slot until the TTL.
    }
  }

  /** `senderHex`'s share of `recipientHex`'s mailbox (tests). */
  shareOf(senderHex: string, recipientHex: string): Share {
    const share = this.shares.get(recipientHex)?.get(senderHex);
    return { count: share?.count ?? 0, bytes: share?.bytes ?? 0 };
  }

  private share(recipientHex: string, senderHex: string, count: number, bytes: number): void {
    let box = this.shares.get(recipientHex);
    if (box === undefined) {
      box = new Map();
      this.shares.set(recipientHex, box);
    }
    addTo(box, senderHex, count, bytes);
    if (box.size === 0) this.shares.delete(recipientHex);
  }
}
