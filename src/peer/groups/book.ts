/**
 * The groups this client is in, or was in: each one's verified state (what applying
 * its membership log gave, src/crypto/group-log.ts) and the highest gseq of its
 * stream applied here. Loaded once; changed only after the batch that changed it is
 * durable (commit()). Also how a user's words pick a group (resolve()).
 */
import type { GroupState } from '../../crypto/group-log.js';
import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { groupConversation } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import { type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import { FormerNames } from './former-names.js';
import { groupKeys } from './keys.js';

/** A group as the book holds it. */
export interface GroupEntry {
  readonly state: GroupState;
  /** The highest gseq of its stream applied here; -1 before any. */
  readonly gseq: number;
}

interface StoredState {
  groupId: string;
  name: string;
  epoch: number;
  members: { userId: string; role: 'admin' | 'member' }[];
  headHash: string;
  seq: number;
}

const toStored = (s: GroupState): StoredState => ({
  groupId: toHex(s.groupId),
  name: s.name,
  epoch: s.epoch,
  members: s.members.map((m) => ({ userId: toHex(m.userId), role: m.role })),
  headHash: toHex(s.headHash),
  seq: s.seq,
});

const fromStored = (s: StoredState): GroupState => ({
  groupId: fromHex(s.groupId),
  name: s.name,
  epoch: s.epoch,
  members: s.members.map((m) => ({ userId: fromHex(m.userId), role: m.role })),
  headHash: fromHex(s.headHash),
  seq: s.seq,
});

/** Shortest id prefix a ref may use: shorter ones match by accident. */
export const MIN_GROUP_ID_PREFIX_CHARS = 4;

/** How names compare: as pseudonyms do, case-insensitively after NFKC. */
export const groupNameKey = (name: string) => name.normalize('NFKC').toLowerCase();

interface Waiter {
  /** What the waiter waits for: true settles it. */
  done: (entry: GroupEntry) => boolean;
  timer: Timer;
  resolve: (applied: boolean) => void;
}

/** Who a rename's author is, by user id (hex): members.ts MemberNames. */
export interface AuthorNames {
  of(userId: string): string;
}

export class GroupBook {
  private readonly groups = new Map<string, GroupEntry>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  private constructor(
    private readonly clock: Clock,
    /** The names groups had before a rename (their logs'); work.ts adds new ones on commit. */
    readonly former: FormerNames,
  ) {}

  static async load(store: PeerStore, clock: Clock): Promise<GroupBook> {
    const book = new GroupBook(clock, await FormerNames.load(store));
    for await (const [key, stored] of store.scan<StoredState>(PREFIX.groupState)) {
      const gid = key.slice(PREFIX.groupState.length);
      const gseq = Number((await store.get(groupKeys.seq(gid))) ?? -1);
      book.groups.set(gid, { state: fromStored(stored), gseq });
    }
    return book;
  }

  get(gid: string): GroupEntry | undefined {
    return this.groups.get(gid);
  }

  /** Every group, by id (hex). */
  entries(): [string, GroupEntry][] {
    return [...this.groups];
  }

  /** The ops that store `state` (write them in the batch that applied it). */
  static stateOps(gid: string, state: GroupState): KvOp[] {
    return [putJson(groupKeys.state(gid), toStored(state))];
  }

  static seqOps(gid: string, gseq: number): KvOp[] {
    return [{ type: 'put', key: groupKeys.seq(gid), value: String(gseq) }];
  }

  /** What a durable batch changed: the book holds it from now on (and tells who waits). */
  commit(gid: string, change: { state?: GroupState; gseq?: number }): void {
    const was = this.groups.get(gid);
    const state = change.state ?? was?.state;
    if (state === undefined) return;
    const gseq = Math.max(change.gseq ?? -1, was?.gseq ?? -1);
    const now = { state, gseq };
    this.groups.set(gid, now);
    for (const w of this.waiters.get(gid) ?? []) {
      if (!w.done(now)) continue;
      this.waiters.get(gid)?.delete(w);
      this.clock.clearTimeout(w.timer);
      w.resolve(true);
    }
  }

  /**
   * Resolves true once group `gid` holds its stream applied up to `gseq`, false after
   * `timeoutMs` (event-driven: each commit settles the waiters it satisfies).
   */
  applied(gid: string, gseq: number, timeoutMs: number): Promise<boolean> {
    return this.until(gid, (e) => e.gseq >= gseq, timeoutMs);
  }

  /**
   * Resolves true once group `gid`'s log here is past change `seq` (a change someone
   * else made came in my stream), false after `timeoutMs`.
   */
  advanced(gid: string, seq: number, timeoutMs: number): Promise<boolean> {
    return this.until(gid, (e) => e.state.seq > seq, timeoutMs);
  }

  private until(
    gid: string,
    done: (entry: GroupEntry) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    const entry = this.groups.get(gid);
    if (entry !== undefined && done(entry)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const set = this.waiters.get(gid) ?? new Set<Waiter>();
      const waiter: Waiter = {
        done,
        resolve,
        timer: this.clock.setTimeout(() => {
          set.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      set.add(waiter);
      this.waiters.set(gid, set);
    });
  }

  /**
   * The group (id, hex) a user means by `ref`: its conversation id, its name (with or
   * without '#'; case-insensitive), or a prefix of its id (at least
   * MIN_GROUP_ID_PREFIX_CHARS hex digits). A name several groups share means the one
   * `me` (my user id) is still a member of, when that is one. E_UNKNOWN_GROUP,
   * E_AMBIGUOUS_GROUP; a name a group of mine had before a rename is said so, with who
   * renamed it (`names`) to what.
   */
  resolve(ref: string, me?: Uint8Array, names?: AuthorNames): string {
    const text = ref.trim();
    const bare = text.startsWith('#') ? text.slice(1) : text;
    if (text.startsWith('#') && this.groups.has(bare.toLowerCase())) return bare.toLowerCase();
    const key = groupNameKey(bare);
    const named = [...this.groups].filter(([, g]) => groupNameKey(g.state.name) === key);
    if (named.length === 1) return (named[0] as [string, GroupEntry])[0];
    const mine = named.filter(
      ([, g]) => me !== undefined && g.state.members.some((m) => bytesEqual(m.userId, me)),
    );
    if (mine.length === 1) return (mine[0] as [string, GroupEntry])[0];
    if (named.length > 1) {
      throw peerError(
        PeerCode.AmbiguousGroup,
        `group: ${named.length} groups are named '${bare}'; use the id (${named.map(([id]) => id.slice(0, 8)).join(', ')})`,
      );
    }
    const prefix = bare.toLowerCase();
    if (/^[0-9a-f]+$/.test(prefix) && prefix.length >= MIN_GROUP_ID_PREFIX_CHARS) {
      const ids = [...this.groups.keys()].filter((id) => id.startsWith(prefix));
      if (ids.length === 1) return ids[0] as string;
      if (ids.length > 1) {
        throw peerError(PeerCode.AmbiguousGroup, `group: '${bare}' starts ${ids.length} group ids`);
      }
    }
    const renamed = this.renamedFrom(key, names, me === undefined ? undefined : toHex(me));
    const hint = renamed === '' ? '' : ` (${renamed})`;
    throw peerError(PeerCode.UnknownGroup, `group: no group of mine is '${bare}'${hint}`);
  }

  /** `renamed 'Team Two' by alice` for each group once called `key`; '' when none was. */
  private renamedFrom(key: string, names?: AuthorNames, meHex?: string): string {
    // The latest rename from that name of each group (renamed back and away again: once).
    const latest = new Map(this.former.called(key, groupNameKey));
    return [...latest]
      .filter(([gid]) => this.groups.has(gid))
      .map(([gid, f]) => {
        const now = this.groups.get(gid)?.state.name ?? f.to;
        const by = names === undefined ? '' : ` by ${f.by === meHex ? 'you' : names.of(f.by)}`;
        return `renamed '${f.to}'${by}${now === f.to ? '' : `, now '${now}'`}`;
      })
      .join('; ');
  }
}

/** The conversation of group `gid` (hex). */
export const conversationOf = (gid: string) => groupConversation(gid);
