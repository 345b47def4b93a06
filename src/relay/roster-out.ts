/**
 * The roster's way out of the relay (the relay half of presence, DESIGN.md §5): what
 * a session gets when it becomes ready, and the changes every ready session is told.
 *
 * - A newcomer gets the whole roster from frames kept encoded between logins and shared
 *   by every session they are queued for (roster-snapshot.ts).
 * - Changes go out as one RosterUpdate, the last change of each user, the same bytes
 *   for every session, at the end of the turn, and at most every ROSTER_FLUSH_MS (more
 *   with more than a thousand sessions: ROSTER_FLUSH_MS_PER_SESSION): a lone change
 *   leaves at once, a login storm's in a few batches a second rather than a write per
 *   session for nearly every login.
 * - A session that became ready while changes waited is not told those again: its
 *   roster had them already. It gets only the changes made since.
 */
import type { Clock } from '../util/clock.js';
import { TickBatcher } from '../util/tick-batcher.js';
import { encodeFrame } from '../wire/codec.js';
import { frame } from '../wire/framing.js';
import { MAX_ROSTER_ENTRIES } from '../wire/limits.js';
import type { RosterEntry } from '../wire/types.js';
import { RosterSnapshot } from './roster-snapshot.js';

/**
 * The least time between two roster updates to every session. Each goes out as one
 * write per session, so in a login storm (a relay restarted under thousands of users)
 * per-turn updates cost a write per session for nearly every login; a tenth of a second
 * is still "at once" for someone watching the list.
 */
export const ROSTER_FLUSH_MS = 100;

/**
 * And a tenth of a millisecond more per connected session past the first thousand: an
 * update costs the relay about 15 µs a session (a write on a TLS socket), so updates
 * during a storm stay within about 0.15 of a core however many are online (at 5,000,
 * one every 0.5 s, where every 100 ms took half the relay's CPU in the storm).
 */
export const ROSTER_FLUSH_MS_PER_SESSION = 0.1;

/** A session as the roster's way out sees it. */
export interface RosterReader {
  /** Ready and not closing. */
  readonly ready: boolean;
  /** Roster frames, framed already (length prefix included) and shared (Session.sendRoster). */
  sendRoster(frames: readonly Buffer[]): void;
}

/** A change waiting to go out: the user, what others see of them now, and its number. */
type Change = [userHex: string, entry: RosterEntry, n: number];

export class RosterOut<R extends RosterReader> {
  private readonly snapshot = new RosterSnapshot();
  private readonly batch: TickBatcher<Change>;
  /** Changes made so far (each one's number). */
  private changes = 0;
  /** Sessions that became ready while changes waited, and the changes made before. */
  private readyMidway = new Map<R, number>();
  /** When the last update went out (clock ms). */
  private lastFlush = Number.NEGATIVE_INFINITY;

  /**
   * `readers` lists the sessions to tell (the ready ones among them are told); `sessions`
   * counts the connections, for the interval.
   */
  constructor(
    private readonly readers: () => Iterable<R>,
    private readonly sessions: () => number,
    private readonly clock: Clock,
    private readonly flushEveryMs = ROSTER_FLUSH_MS,
  ) {
    this.batch = new TickBatcher(
      (changes) => this.flush(changes),
      (flush) => this.schedule(flush),
    );
  }

  /** What others see of `userHex` changed (`online: false`: gone). */
  changed(userHex: string, entry: RosterEntry): void {
    this.snapshot.set(userHex, entry);
    this.batch.push([userHex, entry, ++this.changes]);
  }

  /** `r` just became ready: the whole roster, and from now on the changes made after it. */
  welcome(r: R): void {
    r.sendRoster(this.snapshot.frames());
    if (this.batch.size > 0) this.readyMidway.set(r, this.changes);
  }

  /** The least time between two updates now. */
  get intervalMs(): number {
    return Math.max(this.flushEveryMs, this.sessions() * ROSTER_FLUSH_MS_PER_SESSION);
  }

  /** At the end of this turn, or once the interval has passed since the last update. */
  private schedule(flush: () => void): void {
    const wait = this.lastFlush + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      setImmediate(flush);
      return;
    }
    // Nothing to tell once the relay stops: the wait must not keep the process up.
    const timer = this.clock.setTimeout(flush, wait);
    (timer as { unref?: () => void }).unref?.();
  }

  private flush(changes: Change[]): void {
    this.lastFlush = this.clock.now();
    const midway = this.readyMidway;
    this.readyMidway = new Map();
    // Encoded once for each point a session joined at: one for everyone who was there.
    const framesSince = new Map<number, Buffer[]>();
    for (const r of this.readers()) {
      if (!r.ready) continue;
      const since = midway.get(r) ?? 0;
      let frames = framesSince.get(since);
      if (!frames) {
        frames = encodeChanges(changes, since);
        framesSince.set(since, frames);
      }
      r.sendRoster(frames);
    }
  }
}

/** The changes numbered after `since`, the last of each user, as framed RosterUpdates. */
function encodeChanges(changes: readonly Change[], since: number): Buffer[] {
  const latest = new Map<string, RosterEntry>();
  for (const [userHex, entry, n] of changes) if (n > since) latest.set(userHex, entry);
  const entries = [...latest.values()];
  const frames: Buffer[] = [];
  for (let i = 0; i < entries.length; i += MAX_ROSTER_ENTRIES) {
    const chunk = entries.slice(i, i + MAX_ROSTER_ENTRIES);
    frames.push(frame(encodeFrame({ type: 'roster-update', full: false, entries: chunk })));
  }
  return frames;
}
