/**
 * The sender quota in a cluster (maxPendingPerSender; docs/decisions.md, "Issue
 * 15: quotas in a cluster"): each relay counts the mail its own senders stored
 * and nobody has acknowledged yet. Acks through any relay reach it as notes on
 * natter.1.acked; mail older than the TTL is forgotten, as the stream expires it.
 * A relay that restarts starts counting afresh: the quota is per relay and
 * best effort, where the recipient quota (the stream's own limit) is exact.
 */
interface OwnMail {
  senderHex: string;
  storedAtMs: number;
}

export class SenderQuota {
  /** recipient -> seq -> who stored it and when; seqs in storage order. */
  private readonly own = new Map<string, Map<number, OwnMail>>();
  private readonly bySender = new Map<string, number>();

  constructor(private readonly maxPending: number) {}

  full(senderHex: string): boolean {
    return (this.bySender.get(senderHex) ?? 0) >= this.maxPending;
  }

  stored(senderHex: string, recipientHex: string, seq: number, storedAtMs: number): void {
    let mine = this.own.get(recipientHex);
    if (!mine) {
      mine = new Map();
      this.own.set(recipientHex, mine);
    }
    mine.set(seq, { senderHex, storedAtMs });
    this.bySender.set(senderHex, (this.bySender.get(senderHex) ?? 0) + 1);
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
        if (mail.storedAtMs >= cutoffMs) break; // storage order
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
}
