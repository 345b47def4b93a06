/**
 * A cluster relay's held publishes (held-mail.ts): HeldPuts (../held-puts.ts) named by
 * their early seq, which the acks that take them carry, and kept in order per lane, a
 * conversation (`<sender>.<recipient>`), whose later publish must not overtake them.
 */
import { type Held, HeldPuts, type HeldPutsHooks, type HeldPutsOptions } from '../held-puts.js';

/** What names a held put: its early seq (a number: cheaper to hash than a key). */
export type HeldKey = number;

/** Lanes whose emptied Set of held puts is kept for their next put. */
const KEPT_EMPTY_SETS = 4096;

interface Entry<Op> {
  key: HeldKey;
  lane: string;
  op: Op;
  handle: Held | null;
}

export class HeldLanes<Op> {
  private readonly held: HeldPuts<Entry<Op>>;
  private readonly byKey = new Map<HeldKey, Entry<Op>>();
  /** Each lane's held puts, oldest first (a Set: an ack takes any one in O(1)). */
  private readonly perLane = new Map<string, Set<Entry<Op>>>();

  constructor(options: HeldPutsOptions, hooks: HeldPutsHooks<Op>) {
    this.held = new HeldPuts(options, {
      write: (entry) => {
        this.forget(entry);
        hooks.write(entry.op);
      },
      taken: (entry) => {
        this.forget(entry);
        hooks.taken(entry.op);
      },
    });
  }

  /** Puts held now. */
  get size(): number {
    return this.held.size;
  }

  /** HeldPuts.paying. */
  get paying(): boolean {
    return this.held.paying;
  }

  /** HeldPuts.admit. */
  admit(bytes: number): boolean {
    return this.held.admit(bytes);
  }

  /** Holds `op` (the put named `key`, `bytes` long) in `lane` until its ack or holdMs. */
  hold(lane: string, key: HeldKey, op: Op, bytes: number): void {
    const entry: Entry<Op> = { key, lane, op, handle: null };
    entry.handle = this.held.hold(entry, bytes);
    this.byKey.set(key, entry);
    const mine = this.perLane.get(lane);
    if (mine === undefined) this.perLane.set(lane, new Set<Entry<Op>>().add(entry));
    else mine.add(entry);
  }

  /** The put named `key` was acknowledged: true if it was held (it is then never written). */
  take(key: HeldKey): boolean {
    const entry = this.byKey.get(key);
    return entry !== undefined && this.held.take(entry.handle!);
  }

  /** Writes the put named `key` now, if it is held. */
  release(key: HeldKey): void {
    const entry = this.byKey.get(key);
    if (entry !== undefined) this.held.release(entry.handle!);
  }

  /** Whether `lane` has puts held. */
  holds(lane: string): boolean {
    const mine = this.perLane.get(lane);
    return mine !== undefined && mine.size > 0;
  }

  /** Writes `lane`'s held puts now, oldest first: its next put must not overtake them. */
  releaseFor(lane: string): void {
    for (const entry of [...(this.perLane.get(lane) ?? [])]) this.held.release(entry.handle!);
  }

  /** Writes every held put now, oldest first. */
  releaseAll(): void {
    this.held.releaseAll();
  }

  private forget(entry: Entry<Op>): void {
    this.byKey.delete(entry.key);
    const mine = this.perLane.get(entry.lane);
    if (mine === undefined) return;
    mine.delete(entry);
    if (mine.size === 0 && this.perLane.size > KEPT_EMPTY_SETS) this.perLane.delete(entry.lane);
  }
}
