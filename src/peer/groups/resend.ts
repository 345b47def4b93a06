/**
 * Groups whose stream stopped in this session, and resuming one stopped at the held
 * bound (docs/decisions.md "A stopped group resumes within the session"):
 *
 * - A group stops at an item that cannot be handled now (stream.ts): its change log
 *   could not be read (apply.ts), or the people a change names could not be asked for
 *   (the link went), or a message could not be held for its sender's key
 *   (receive.ts, held.ts). Nothing later of it is handled or acknowledged in the
 *   session, so no ack passes the item; a new session takes everything again.
 * - A group stopped at the held bound asks for the rest once its held messages all
 *   opened (a share came: shares-in.ts): `GroupResend{after_gseq}` with the gseq it
 *   applied, only to a relay that announced RELAY_FEATURE_GROUP_RESEND. Items of the
 *   group that arrive before the relay's GroupResendResult were pushed before it saw the
 *   request and are dropped (they follow the hole); the result, in stream order, is
 *   where the items sent again begin, and the group runs again from it. A refusal
 *   leaves the group stopped until the next session, as with an older relay.
 */
import { fromHex, toHex } from '../../util/bytes.js';
import type { Logger } from '../../util/logger.js';
import { RELAY_FEATURE_GROUP_RESEND } from '../../wire/limits.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { GroupWork } from './work.js';

/** Why a group stopped, and where a resend of it stands. */
type Stop =
  /** Its log could not be read (or the names of a change, the link gone): only a new session takes it up again. */
  | { state: 'unreadable' }
  /** Messages wait for a sender's key over the bound; asks once they opened. */
  | { state: 'held' }
  /** GroupResend sent; items before its result are dropped. */
  | { state: 'asked'; afterGseq: number }
  /** The relay refused (or the request could not go): stopped until the next session. */
  | { state: 'refused' };

export interface ResendDeps {
  link: { send(frame: Frame): boolean };
  logger: Logger;
  /** A request went out: the inbox wait's quiet window starts again (its answer follows). */
  asked: () => void;
}

export class GroupResends {
  private readonly stops = new Map<string, Stop>();
  /** The ready relay announced RELAY_FEATURE_GROUP_RESEND. */
  private serves = false;

  constructor(private readonly d: ResendDeps) {}

  /** A new session with a relay announcing `features` (Challenge.features): nothing is stopped. */
  newSession(features: number): void {
    this.serves = (features & RELAY_FEATURE_GROUP_RESEND) !== 0;
    this.stops.clear();
  }

  /** Whether a group stopped at the held bound resumes in this session once its held messages open. */
  get resumable(): boolean {
    return this.serves;
  }

  /** The group stopped at an item: its log could not be read, or a message could not be held. */
  stop(gid: string, why: 'unreadable' | 'held'): void {
    this.stops.set(gid, { state: why });
  }

  /** True while nothing of the group is taken (stopped, or asked and not yet answered). */
  stopped(gid: string): boolean {
    return this.stops.has(gid);
  }

  /**
   * Of `gids`, whose held messages `work` opened, the groups stopped at the held bound
   * that hold none now (their count with the work's), to ask for once it is durable.
   */
  async drainedIn(work: GroupWork, gids: Iterable<string>): Promise<string[]> {
    const out: string[] = [];
    if (!this.serves) return out;
    for (const gid of gids) {
      if (this.stops.get(gid)?.state === 'held' && (await work.heldCount(gid)) === 0) out.push(gid);
    }
    return out;
  }

  /** Asks for each group's items after `gseqOf(gid)`, the gseq applied (and durable) here. */
  ask(gids: readonly string[], gseqOf: (gid: string) => number): void {
    for (const gid of gids) {
      // A new session came meanwhile: it takes the group from the relay's cursor anyway.
      if (this.stops.get(gid)?.state !== 'held') continue;
      const afterGseq = Math.max(0, gseqOf(gid));
      const sent = this.d.link.send({ type: 'group-resend', groupId: fromHex(gid), afterGseq });
      this.stops.set(gid, sent ? { state: 'asked', afterGseq } : { state: 'refused' });
      if (sent) this.d.asked();
    }
  }

  /**
   * A GroupResendResult, in stream order: true when its group runs again from here (the
   * items after it are those sent again). One nobody asked for changes nothing.
   */
  answered(f: FrameOf<'group-resend-result'>): boolean {
    const gid = toHex(f.groupId);
    const stop = this.stops.get(gid);
    if (stop?.state !== 'asked' || stop.afterGseq !== f.afterGseq) {
      this.d.logger.warn('a group resend result that was not asked for', { group: gid });
      return false;
    }
    if (f.code !== '') {
      this.d.logger.warn('the relay refused to send a group again', { group: gid, code: f.code });
      this.stops.set(gid, { state: 'refused' });
      return false;
    }
    this.stops.delete(gid);
    return true;
  }
}
