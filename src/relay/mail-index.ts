/**
 * The mailbox's in-memory index of what is stored: per recipient (a Box) the seqs
 * with their sender, size and store time, in seq order; per sender how many are
 * waiting. It is rebuilt from the store at open and answers quotas and TTL sweeps
 * without reading values back.
 *
 * Seqs are issued in order, so a Box is a deque of parallel arrays rather than a Map:
 * a message's add is a push and its ack (acks come in the order mail was pushed) moves
 * the head on, with no hashing and no object per message (issue 14: Maps keyed by seq,
 * numbers past 2^32, and an entry object per message were a good part of the relay's
 * cost per message). A removal out of order leaves a tombstone the head skips later.
 * The arrays keep their room when a box empties or compacts (a box that empties every
 * few milliseconds at saturation regrew five arrays from nothing each time), and give it
 * back only when it is mostly unused.
 * Boxes and sender tallies are kept once made (one per user who got or sent mail since
 * start, as the highest seq issued to each must be).
 *
 * A box also answers for each sender's share of it (messages and bytes), the per-sender
 * part of its quota (fair-limits.ts), but counts shares only once it is big enough for
 * one to matter (`overShare`): a box with fewer messages and bytes than one share cannot
 * hold more than a share of anyone's. Counted always, a share object per sender and box
 * was made and dropped at every ack at 500 clients (issue 14's bench: 11.3 against 9.5 µs
 * a delivery). The counts go when the box empties.
 */
import { addTo, type Share } from './mail-shares.js';

export type { Share };

/** Per sender: messages waiting in any box. */
export interface SenderTally {
  readonly hex: string;
  pending: number;
}

/** What `remove` returns for a seq that is not indexed. */
export const ABSENT = Symbol('absent');

/** `bytes` of a removed entry not yet passed by the head. */
const TOMBSTONE = -1;
/** A box compacts its arrays once this many removed entries are also half of them. */
const COMPACT_AFTER = 64;
/** Room a box keeps however little it holds; past it, room four times what is used is given back. */
const KEPT_SLOTS = 1024;

/** One recipient's stored mail, oldest first; `T` is the owner's note per mail. */
export class Box<T> {
  private seqs: number[] = [];
  private sizes: number[] = [];
  private storedAt: number[] = [];
  private senders: SenderTally[] = [];
  /** Each sender's share, counted from the first `overShare` that needed it until the box empties. */
  private shares: Map<SenderTally, Share> | null = null;
  /** A removed entry's note is dropped at once (a held put keeps its mail alive). */
  private notes: (T | undefined)[] = [];
  /** The first entry not yet passed (removed entries before it are gone). */
  private head = 0;
  /** Past the last entry: slots from here on are room kept for later adds. */
  private end = 0;
  /** Live entries and their bytes. */
  count = 0;
  bytes = 0;
  /** The highest seq issued to this recipient (kept after acks; 0: none since start). */
  lastIssued = 0;
  /** How many of its puts the mailbox holds for the recipient's ack (held-puts.ts). */
  held = 0;

  /**
   * Whether `sender`, adding `bytes`, would hold `maxMessages` or more of this box's mail or
   * over `maxBytes` of it. Counts shares from the first time a box is big enough to tell.
   */
  overShare(sender: SenderTally, bytes: number, maxMessages: number, maxBytes: number): boolean {
    if (this.shares === null) {
      if (this.count < maxMessages && this.bytes + bytes <= maxBytes) return false;
      this.shares = this.countShares();
    }
    const share = this.shares.get(sender);
    return share !== undefined && (share.count >= maxMessages || share.bytes + bytes > maxBytes);
  }

  /** `sender`'s messages and bytes here (tests, stats). */
  shareOf(sender: SenderTally): Share {
    const share = (this.shares ?? this.countShares()).get(sender);
    return { count: share?.count ?? 0, bytes: share?.bytes ?? 0 };
  }

  private countShares(): Map<SenderTally, Share> {
    const shares = new Map<SenderTally, Share>();
    for (let i = this.head; i < this.end; i++) {
      const bytes = this.sizes[i]!;
      if (bytes !== TOMBSTONE) addTo(shares, this.senders[i]!, 1, bytes);
    }
    return shares;
  }

  /** Adds the newest mail: `seq` above every seq added before. */
  add(seq: number, sender: SenderTally, bytes: number, storedAtMs: number, note: T): void {
    // At the end, or in room kept (a store at the arrays' length is a push).
    const i = this.end++;
    this.seqs[i] = seq;
    this.sizes[i] = bytes;
    this.storedAt[i] = storedAtMs;
    this.senders[i] = sender;
    this.notes[i] = note;
    this.count++;
    this.bytes += bytes;
    sender.pending++;
    if (this.shares !== null) addTo(this.shares, sender, 1, bytes);
  }

  /** Slots the arrays have room for, used or kept (tests). */
  get room(): number {
    return this.notes.length;
  }

  /** Array slots in use: live entries and removed ones not yet compacted away. */
  get slots(): number {
    return this.end - this.head;
  }

  has(seq: number): boolean {
    return this.indexOf(seq) >= 0;
  }

  /** Forgets mail `seq`: its note, or ABSENT if it was not indexed (acked twice, say). */
  remove(seq: number): T | typeof ABSENT {
    const i = this.indexOf(seq);
    if (i < 0) return ABSENT;
    const note = this.notes[i] as T;
    this.notes[i] = undefined;
    const sender = this.senders[i]!;
    const bytes = this.sizes[i]!;
    this.count--;
    this.bytes -= bytes;
    sender.pending--;
    if (this.shares !== null) addTo(this.shares, sender, -1, -bytes);
    this.sizes[i] = TOMBSTONE;
    if (this.count === 0) this.truncate(0);
    else this.advance();
    return note;
  }

  /** The notes of the live entries, oldest first. */
  liveNotes(): T[] {
    const notes: T[] = [];
    for (let i = this.head; i < this.end; i++) {
      if (this.sizes[i] !== TOMBSTONE) notes.push(this.notes[i] as T);
    }
    return notes;
  }

  /** Each live entry, oldest first (the index's snapshot, mail-snapshot.ts). */
  forEachLive(
    visit: (seq: number, sender: SenderTally, bytes: number, storedAt: number) => void,
  ): void {
    for (let i = this.head; i < this.end; i++) {
      const bytes = this.sizes[i]!;
      if (bytes !== TOMBSTONE) visit(this.seqs[i]!, this.senders[i]!, bytes, this.storedAt[i]!);
    }
  }

  /** The seqs of live entries stored before `cutoffMs`. */
  olderThan(cutoffMs: number): number[] {
    const seqs: number[] = [];
    for (let i = this.head; i < this.end; i++) {
      if (this.sizes[i] !== TOMBSTONE && this.storedAt[i]! < cutoffMs) seqs.push(this.seqs[i]!);
    }
    return seqs;
  }

  /** Where live `seq` is, or -1: the head first (acks come in order), else a binary search. */
  private indexOf(seq: number): number {
    const seqs = this.seqs;
    let lo = this.head;
    let hi = this.end - 1;
    if (lo > hi) return -1;
    if (seqs[lo] === seq) return this.sizes[lo] === TOMBSTONE ? -1 : lo;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = seqs[mid]!;
      if (at < seq) lo = mid + 1;
      else if (at > seq) hi = mid - 1;
      else return this.sizes[mid] === TOMBSTONE ? -1 : mid;
    }
    return -1;
  }

  /**
   * Moves the head past removed entries; once removed entries (passed or tombstones)
   * are half the arrays, keeps the live ones only: a recipient who acks all but its
   * oldest mail costs no more than its live mail.
   */
  private advance(): void {
    const { seqs, sizes, storedAt, senders, notes } = this;
    const n = this.end;
    while (this.head < n && sizes[this.head] === TOMBSTONE) this.head++;
    const removed = n - this.count;
    if (removed < COMPACT_AFTER || removed * 2 < n) return;
    let w = 0;
    for (let r = this.head; r < n; r++) {
      if (sizes[r] === TOMBSTONE) continue;
      seqs[w] = seqs[r]!;
      sizes[w] = sizes[r]!;
      storedAt[w] = storedAt[r]!;
      senders[w] = senders[r]!;
      notes[w] = notes[r];
      w++;
    }
    this.truncate(w);
  }

  /**
   * Keeps the first `n` entries (0: the box emptied), the head at 0, and the room after
   * them unless it is mostly unused; no note stays in it (a held put keeps its mail alive).
   */
  private truncate(n: number): void {
    const notes = this.notes;
    for (let i = n; i < this.end; i++) notes[i] = undefined;
    if (n === 0) this.shares = null;
    this.head = 0;
    this.end = n;
    if (notes.length > KEPT_SLOTS && notes.length > 4 * n) {
      const room = Math.max(KEPT_SLOTS, 2 * n);
      this.seqs.length = room;
      this.sizes.length = room;
      this.storedAt.length = room;
      this.senders.length = room;
      notes.length = room;
    }
  }
}

export class MailIndex<T> {
  private readonly boxes = new Map<string, Box<T>>();
  private readonly senders = new Map<string, SenderTally>();

  clear(): void {
    this.boxes.clear();
    this.senders.clear();
  }

  /** `recipientHex`'s box, made if it has none. */
  box(recipientHex: string): Box<T> {
    let box = this.boxes.get(recipientHex);
    if (box === undefined) {
      box = new Box<T>();
      this.boxes.set(recipientHex, box);
    }
    return box;
  }

  /** `recipientHex`'s box, if it ever had one. */
  find(recipientHex: string): Box<T> | undefined {
    return this.boxes.get(recipientHex);
  }

  /** `senderHex`'s tally, made if it has none. */
  sender(senderHex: string): SenderTally {
    let tally = this.senders.get(senderHex);
    if (tally === undefined) {
      tally = { hex: senderHex, pending: 0 };
      this.senders.set(senderHex, tally);
    }
    return tally;
  }

  /** Every recipient's box, made since start or open. */
  entries(): IterableIterator<[string, Box<T>]> {
    return this.boxes.entries();
  }

  /** Messages waiting for a recipient. */
  count(recipientHex: string): number {
    return this.boxes.get(recipientHex)?.count ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const box of this.boxes.values()) n += box.count;
    return n;
  }

  /** Every (recipient's box, seq) stored before `cutoffMs`. */
  olderThan(cutoffMs: number): Array<[Box<T>, string, number]> {
    const found: Array<[Box<T>, string, number]> = [];
    for (const [recipientHex, box] of this.boxes) {
      if (box.count === 0) continue;
      for (const seq of box.olderThan(cutoffMs)) found.push([box, recipientHex, seq]);
    }
    return found;
  }
}
