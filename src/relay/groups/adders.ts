/**
 * Who put each member in a group (docs/decisions.md, "Groups: nobody fills another's
 * group list"): the author of the create or add that brought them in, kept while they
 * stay, and, per user, how many of their groups each other user put them in. The
 * registry (registry.ts) refuses a create or add that would put someone in more than
 * maxGroupsAddedByOne groups by the same adder (E_GROUP_TOO_MANY_FROM_ONE), so one
 * peer cannot use up another's maxGroupsPerUser. Groups a user created count for
 * nobody. Derived from the log alone, so every relay of a cluster, reading the same
 * stream, holds the same counts.
 */
import { toHex } from '../../util/bytes.js';
import type { GroupChange } from '../../wire/types.js';

/** Member (user id hex) → who brought them in (hex; themselves for a group's creator). */
export type Adders = ReadonlyMap<string, string>;

export const NO_ADDERS: Adders = new Map();

/**
 * The adders after `change`, from those before it (`before`) and the members after it
 * (`members`): the ones who joined by it were brought in by its author; those gone are
 * forgotten.
 */
export function addersAfter(
  before: Adders,
  change: GroupChange,
  members: ReadonlySet<string>,
): Adders {
  const author = toHex(change.author);
  const next = new Map<string, string>();
  for (const [userHex, adder] of before) if (members.has(userHex)) next.set(userHex, adder);
  if (change.op === 'create') for (const m of change.members) next.set(toHex(m.userId), author);
  if (change.op === 'add') next.set(toHex(change.target), author);
  return next;
}

/** Per user, how many of their current groups each other user put them in. */
export class AdderCounts {
  private readonly counts = new Map<string, Map<string, number>>();

  /** How many of `userHex`'s groups `adderHex` put them in. */
  of(userHex: string, adderHex: string): number {
    return this.counts.get(userHex)?.get(adderHex) ?? 0;
  }

  /** A group's adders replaced: `before` taken out, `after` counted. */
  replace(before: Adders, after: Adders): void {
    for (const [userHex, adder] of before) this.move(userHex, adder, -1);
    for (const [userHex, adder] of after) this.move(userHex, adder, 1);
  }

  clear(): void {
    this.counts.clear();
  }

  private move(userHex: string, adderHex: string, by: number): void {
    if (userHex === adderHex) return;
    let per = this.counts.get(userHex);
    if (!per) {
      per = new Map();
      this.counts.set(userHex, per);
    }
    const n = (per.get(adderHex) ?? 0) + by;
    if (n > 0) per.set(adderHex, n);
    else per.delete(adderHex);
    if (per.size === 0) this.counts.delete(userHex);
  }
}
