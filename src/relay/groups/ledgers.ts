/**
 * Every group's ledger (ledger.ts) by group id, and which groups each departed
 * user is still owed items in (current members are found through the registry).
 */
import type { GroupLedger } from './ledger.js';

export class Ledgers {
  private readonly byGroup = new Map<string, GroupLedger>();
  private readonly departed = new Map<string, Set<string>>();

  get size(): number {
    return this.byGroup.size;
  }

  /** Items held by all groups. */
  get heldItems(): number {
    let n = 0;
    for (const ledger of this.byGroup.values()) n += ledger.pending;
    return n;
  }

  get(gidHex: string): GroupLedger | undefined {
    return this.byGroup.get(gidHex);
  }

  entries(): IterableIterator<[string, GroupLedger]> {
    return this.byGroup.entries();
  }

  set(gidHex: string, ledger: GroupLedger): void {
    this.byGroup.set(gidHex, ledger);
  }

  delete(gidHex: string): void {
    this.byGroup.delete(gidHex);
  }

  /** Forgets everything (before all groups are read back from the store). */
  clear(): void {
    this.byGroup.clear();
    this.departed.clear();
  }

  /**
   * Installs a ledger read back from the store. With the `previous` one (a reload
   * while running), gseqs never go back and cursors the store missed are kept:
   * returns the users whose cursor must be written again.
   */
  install(gidHex: string, ledger: GroupLedger, previous?: GroupLedger): string[] {
    const ahead: string[] = [];
    if (previous) {
      ledger.lastIssued = Math.max(ledger.lastIssued, previous.lastIssued);
      for (const [userHex, track] of ledger.tracks) {
        const before = previous.tracks.get(userHex)?.cursor ?? -1;
        if (before > track.cursor) {
          track.cursor = before;
          ahead.push(userHex);
        }
      }
    }
    this.byGroup.set(gidHex, ledger);
    for (const [userHex, track] of ledger.tracks) {
      if (!track.intervals.some((i) => i.to === Number.POSITIVE_INFINITY))
        this.owe(userHex, gidHex);
    }
    return ahead;
  }

  /** `userHex` left `gidHex` with items still owed. */
  owe(userHex: string, gidHex: string): void {
    let gids = this.departed.get(userHex);
    if (!gids) {
      gids = new Set();
      this.departed.set(userHex, gids);
    }
    gids.add(gidHex);
  }

  /** `userHex` is owed nothing more in `gidHex`. */
  settle(userHex: string, gidHex: string): void {
    const gids = this.departed.get(userHex);
    gids?.delete(gidHex);
    if (gids?.size === 0) this.departed.delete(userHex);
  }

  /** Groups `userHex` left and is still owed items in. */
  departedGroupsOf(userHex: string): Iterable<string> {
    return this.departed.get(userHex) ?? [];
  }
}
