/**
 * One group's delivery state in memory (docs/groups.md, "Relay"): which items
 * the relay holds, who may receive which of them, and how far each has
 * acknowledged. Pure: no store, no clock; stream.ts persists what changes.
 *
 * - A user may receive the items of its membership intervals: from the item of
 *   the change that made it a member (create or add) through the item of the
 *   one that ended it (remove or leave), both included. A user removed and
 *   added again has two intervals, and nothing between them.
 * - A *track* is a user that may still need an item: a current member, or a
 *   departed one whose cursor has not reached its removal item. Its cursor is
 *   the highest gseq it acknowledged (before any ack: the gseq before its first
 *   interval, so a member added at item A starts at A - 1).
 * - An item may be deleted once every track's next needed gseq is past it: the
 *   *frontier* is the lowest of those, less one.
 */

export interface Interval {
  from: number;
  /** Infinity while the user is a member. */
  to: number;
}

export interface Track {
  /** Highest gseq acknowledged (cumulative). */
  cursor: number;
  /** The cursor as last written to the store; -1: never written. */
  written: number;
  intervals: Interval[];
}

export interface ItemEntry {
  gseq: number;
  bytes: number;
  storedAtMs: number;
}

export class GroupLedger {
  readonly tracks = new Map<string, Track>();
  /** Highest gseq issued, written or not. */
  lastIssued = 0;
  /** Items held, in gseq order; `head` is the first one still held. */
  private items: ItemEntry[] = [];
  private head = 0;
  private heldBytes = 0;

  /** Items held (written or being written) that some track has not acknowledged. */
  get pending(): number {
    return this.items.length - this.head;
  }

  get pendingBytes(): number {
    return this.heldBytes;
  }

  /** The lowest gseq held, or null. */
  get firstHeld(): number | null {
    return this.items[this.head]?.gseq ?? null;
  }

  /** The highest gseq held, or null. */
  get lastHeld(): number | null {
    return this.head < this.items.length ? this.items[this.items.length - 1]!.gseq : null;
  }

  /** `userHex` becomes a member at item `gseq`. */
  join(userHex: string, gseq: number): void {
    const track = this.tracks.get(userHex);
    if (track) track.intervals.push({ from: gseq, to: Number.POSITIVE_INFINITY });
    else {
      this.tracks.set(userHex, {
        cursor: gseq - 1,
        written: -1,
        intervals: [{ from: gseq, to: Number.POSITIVE_INFINITY }],
      });
    }
  }

  /** `userHex` stops being a member at item `gseq` (which it still receives). */
  leave(userHex: string, gseq: number): void {
    const open = this.tracks.get(userHex)?.intervals.find((i) => i.to === Number.POSITIVE_INFINITY);
    if (open) open.to = gseq;
  }

  /** Raises the user's cursor to `through` (capped at the last issued gseq); false if unchanged. */
  ack(userHex: string, through: number): boolean {
    const track = this.tracks.get(userHex);
    const to = Math.min(through, this.lastIssued);
    if (!track || to <= track.cursor) return false;
    track.cursor = to;
    return true;
  }

  /** May `userHex` receive item `gseq`? */
  entitled(userHex: string, gseq: number): boolean {
    const track = this.tracks.get(userHex);
    if (!track) return false;
    for (const i of track.intervals) if (gseq >= i.from && gseq <= i.to) return true;
    return false;
  }

  /** The last gseq `userHex` may receive (Infinity while a member); 0 when untracked. */
  lastEntitled(userHex: string): number {
    const intervals = this.tracks.get(userHex)?.intervals;
    return intervals?.[intervals.length - 1]?.to ?? 0;
  }

  /** The next gseq the track needs after its cursor, or Infinity when it needs nothing more. */
  static need(track: Track): number {
    for (const i of track.intervals) {
      if (track.cursor < i.to) return Math.max(track.cursor + 1, i.from);
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Every item at or below this gseq is needed by nobody. */
  frontier(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const track of this.tracks.values()) {
      const need = GroupLedger.need(track);
      if (need < lowest) lowest = need;
    }
    return lowest - 1;
  }

  /** Tracks that need nothing more (departed, and past their last item), removed and returned. */
  takeDone(): [string, Track][] {
    const done: [string, Track][] = [];
    for (const entry of this.tracks) {
      if (GroupLedger.need(entry[1]) === Number.POSITIVE_INFINITY) done.push(entry);
    }
    for (const [userHex] of done) this.tracks.delete(userHex);
    return done;
  }

  /** Up to `limit` gseqs held after `afterGseq` that `userHex` may receive, in order. */
  heldAfter(userHex: string, afterGseq: number, limit: number): number[] {
    const out: number[] = [];
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.gseq <= afterGseq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.items.length && out.length < limit; i++) {
      const { gseq } = this.items[i]!;
      if (this.entitled(userHex, gseq)) out.push(gseq);
    }
    return out;
  }

  /** Holds a new item (gseqs only grow). */
  addItem(entry: ItemEntry): void {
    this.items.push(entry);
    this.heldBytes += entry.bytes;
  }

  /** Forgets one item whose write was refused; false if not held. */
  removeItem(gseq: number): boolean {
    for (let i = this.items.length - 1; i >= this.head; i--) {
      const entry = this.items[i]!;
      if (entry.gseq === gseq) {
        this.items.splice(i, 1);
        this.heldBytes -= entry.bytes;
        return true;
      }
      if (entry.gseq < gseq) return false;
    }
    return false;
  }

  /** Forgets, and returns the gseqs of, the items at the front that `drop` selects. */
  dropWhile(drop: (entry: ItemEntry) => boolean): number[] {
    const out: number[] = [];
    while (this.head < this.items.length && drop(this.items[this.head]!)) {
      const entry = this.items[this.head++]!;
      this.heldBytes -= entry.bytes;
      out.push(entry.gseq);
    }
    // Compact now and then, so the array does not keep every item ever held.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Forgets the items every track is past; returns their gseqs. */
  dropAcknowledged(): number[] {
    const frontier = this.frontier();
    return this.dropWhile((e) => e.gseq <= frontier);
  }
}
