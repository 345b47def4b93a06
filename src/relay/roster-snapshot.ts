/**
 * The roster a session gets when it becomes ready, kept encoded between logins.
 *
 * Every login sends the newcomer everyone online, so N logins in a row (a relay
 * restarted under 2,000 users) encoded about N²/2 entries and queued a private copy
 * of each roster per session: 17.8 s of the relay's CPU and 604 MB of RSS for 2,000
 * logins (docs/decisions.md, "The login roster"). Here each online user has a slot,
 * slots are grouped in chunks of ROSTER_CHUNK_ENTRIES, and each chunk's RosterUpdate
 * is encoded once, framed, and shared by every session it is queued for until an
 * entry of that chunk changes; a login storm re-encodes the one chunk a newcomer
 * joined, not the whole roster.
 *
 * The first chunk's frame is the one with `full: true` (replacing what the client had
 * from the relay), the others add to it, as a roster over MAX_ROSTER_ENTRIES always
 * came. What it holds is what the roster changes said last (the hub feeds it every
 * change it announces), so a newcomer's roster agrees with what sessions that
 * followed the changes hold.
 */
import { encodeFrame } from '../wire/codec.js';
import { frame } from '../wire/framing.js';
import { MAX_ROSTER_ENTRIES } from '../wire/limits.js';
import type { RosterEntry } from '../wire/types.js';

/**
 * Users per shared frame: small enough that re-encoding the chunk a login changed is
 * cheap, large enough that a roster of thousands is a few dozen frames.
 */
export const ROSTER_CHUNK_ENTRIES = 64;

/** A chunk with no one in it (past the first): nothing to send. */
const EMPTY = Buffer.alloc(0);

export class RosterSnapshot {
  private readonly slotOf = new Map<string, number>();
  private readonly entries: (RosterEntry | null)[] = [];
  /** Slots freed by users who left, reused before the roster grows. */
  private readonly free: number[] = [];
  /** Each chunk's framed RosterUpdate, null until encoded after its last change. */
  private readonly framed: (Buffer | null)[] = [];

  constructor(private readonly chunkEntries = ROSTER_CHUNK_ENTRIES) {
    if (chunkEntries < 1 || chunkEntries > MAX_ROSTER_ENTRIES) {
      throw new RangeError(`chunk of ${chunkEntries} roster entries`);
    }
  }

  /** Users in it. */
  get size(): number {
    return this.slotOf.size;
  }

  /** What others are told of `userHex` now: online (added or replaced) or not (removed). */
  set(userHex: string, entry: RosterEntry): void {
    let slot = this.slotOf.get(userHex);
    if (!entry.online) {
      if (slot === undefined) return;
      this.slotOf.delete(userHex);
      this.entries[slot] = null;
      this.free.push(slot);
    } else {
      if (slot === undefined) {
        slot = this.free.pop() ?? this.entries.length;
        this.slotOf.set(userHex, slot);
      }
      this.entries[slot] = entry;
    }
    this.framed[Math.floor(slot / this.chunkEntries)] = null;
  }

  /**
   * The whole roster as framed RosterUpdates (length prefix included), the first
   * `full`; shared between sessions and never mutated.
   */
  frames(): Buffer[] {
    const out: Buffer[] = [];
    const chunks = Math.max(1, Math.ceil(this.entries.length / this.chunkEntries));
    for (let c = 0; c < chunks; c++) {
      const framed = this.framed[c] ?? this.encode(c);
      if (framed.length > 0) out.push(framed);
    }
    return out;
  }

  private encode(chunk: number): Buffer {
    const entries: RosterEntry[] = [];
    const end = Math.min(this.entries.length, (chunk + 1) * this.chunkEntries);
    for (let i = chunk * this.chunkEntries; i < end; i++) {
      const entry = this.entries[i];
      if (entry) entries.push(entry);
    }
    const full = chunk === 0;
    const framed =
      full || entries.length > 0
        ? frame(encodeFrame({ type: 'roster-update', full, entries }))
        : EMPTY;
    this.framed[chunk] = framed;
    return framed;
  }
}
