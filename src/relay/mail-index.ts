/**
 * The mailbox's in-memory index of what is stored: per recipient the seqs with
 * their sender, size and store time; per sender how many are waiting. It is
 * rebuilt from the store at open and answers quotas and TTL sweeps without
 * reading values back.
 */

export interface IndexEntry {
  senderHex: string;
  bytes: number;
  storedAtMs: number;
}

interface Box {
  entries: Map<number, IndexEntry>;
  bytes: number;
}

export class MailIndex {
  /**
   * Each recipient's box stays when it empties (dropEmpty, at the sweep, lets it go): at
   * light load every message empties its box, and the next would make a new box and Map.
   */
  private readonly boxes = new Map<string, Box>();
  private readonly perSender = new Map<string, number>();

  clear(): void {
    this.boxes.clear();
    this.perSender.clear();
  }

  /** Messages waiting for a recipient. */
  count(recipientHex: string): number {
    return this.boxes.get(recipientHex)?.entries.size ?? 0;
  }

  /** Bytes waiting for a recipient. */
  bytes(recipientHex: string): number {
    return this.boxes.get(recipientHex)?.bytes ?? 0;
  }

  /** Messages a sender has waiting across all mailboxes. */
  pendingFrom(senderHex: string): number {
    return this.perSender.get(senderHex) ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const box of this.boxes.values()) n += box.entries.size;
    return n;
  }

  has(recipientHex: string, seq: number): boolean {
    return this.boxes.get(recipientHex)?.entries.has(seq) ?? false;
  }

  add(recipientHex: string, seq: number, entry: IndexEntry): void {
    let box = this.boxes.get(recipientHex);
    if (!box) {
      box = { entries: new Map(), bytes: 0 };
      this.boxes.set(recipientHex, box);
    }
    box.entries.set(seq, entry);
    box.bytes += entry.bytes;
    this.perSender.set(entry.senderHex, (this.perSender.get(entry.senderHex) ?? 0) + 1);
  }

  /** Forgets one stored mail; false if it was not indexed (acked twice, say). */
  remove(recipientHex: string, seq: number): boolean {
    const box = this.boxes.get(recipientHex);
    const entry = box?.entries.get(seq);
    if (!box || !entry) return false;
    box.entries.delete(seq);
    box.bytes -= entry.bytes;
    const left = (this.perSender.get(entry.senderHex) ?? 1) - 1;
    if (left > 0) this.perSender.set(entry.senderHex, left);
    else this.perSender.delete(entry.senderHex);
    return true;
  }

  /** Forgets the boxes of recipients with nothing waiting. */
  dropEmpty(): void {
    for (const [recipientHex, box] of this.boxes) {
      if (box.entries.size === 0) this.boxes.delete(recipientHex);
    }
  }

  /** Every (recipient, seq) stored before `cutoffMs`. */
  *olderThan(cutoffMs: number): Iterable<[string, number]> {
    for (const [recipientHex, box] of this.boxes) {
      for (const [seq, entry] of box.entries) {
        if (entry.storedAtMs < cutoffMs) yield [recipientHex, seq];
      }
    }
  }
}
