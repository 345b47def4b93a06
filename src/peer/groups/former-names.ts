/**
 * The names my groups had before a rename, read from each group's change log (glog, the
 * verified membership log kept in the profile): after `/group rename team "Team Two"`, the
 * old name failed bare, `no group of mine is 'team' (E_UNKNOWN_GROUP)` (a QA trial), where
 * it now says who renamed it to what (book.ts resolve(), GroupInfo.formerNames).
 * Changed only with a durable batch (work.ts commit()), as the book is.
 */
import { toHex } from '../../util/bytes.js';
import { decodeGroupChangeRecord } from '../../wire/codec.js';
import type { GroupChange } from '../../wire/types.js';
import { type PeerStore, PREFIX } from '../store.js';

/** A name a group had until a rename, the name it got, and the rename's author (user id hex). */
export interface FormerName {
  name: string;
  to: string;
  by: string;
}

/** What `changes` (in log order) rename, starting from a group called `name` (unknown: null). */
export function renamesIn(changes: readonly GroupChange[], name: string | null): FormerName[] {
  const out: FormerName[] = [];
  let now = name;
  for (const c of changes) {
    if (c.op === 'create') now = c.name;
    if (c.op !== 'rename') continue;
    if (now !== null && now !== c.name) out.push({ name: now, to: c.name, by: toHex(c.author) });
    now = c.name;
  }
  return out;
}

export class FormerNames {
  /** Group id (hex) → its former names, oldest first. */
  private readonly byGroup = new Map<string, readonly FormerName[]>();

  /** Every group's log, in key order (gid, then seq: keys.ts), walked once at open. */
  static async load(store: PeerStore): Promise<FormerNames> {
    const former = new FormerNames();
    let gid = '';
    let changes: GroupChange[] = [];
    const flush = () => {
      if (changes.length > 0) former.set(gid, renamesIn(changes, null));
    };
    for await (const [key, bytes] of store.scanBytes(PREFIX.groupLog)) {
      const at = key.slice(PREFIX.groupLog.length).split('!')[0] ?? '';
      if (at !== gid) {
        flush();
        [gid, changes] = [at, []];
      }
      changes.push(decodeGroupChangeRecord(bytes));
    }
    flush();
    return former;
  }

  /** Group `gid`'s former names, oldest first. */
  of(gid: string): readonly FormerName[] {
    return this.byGroup.get(gid) ?? [];
  }

  set(gid: string, names: readonly FormerName[]): void {
    if (names.length > 0) this.byGroup.set(gid, names);
  }

  /** [gid, former name] for every group once called `key` (a groupNameKey). */
  called(key: string, nameKey: (name: string) => string): [string, FormerName][] {
    const out: [string, FormerName][] = [];
    for (const [gid, names] of this.byGroup) {
      for (const f of names) if (nameKey(f.name) === key) out.push([gid, f]);
    }
    return out;
  }
}
