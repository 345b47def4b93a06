/**
 * Group delivery to one ready session: per group, the highest gseq pushed on
 * this connection, the live and early offers, and catch-up from the store. The
 * rules are those of 1:1 delivery (../delivery.ts, docs/decisions.md "Deliver
 * while storing"), per group: a session receives each item of a group once, in
 * gseq order; an item still being written is pushed only to a session that is
 * keeping up and already has the group's previous item; a session whose socket
 * holds maxSessionBufferedBytes is not pushed to, and reads the items back
 * from the store once it drains.
 *
 * The hot path (offer to a live session) costs a map lookup, two comparisons
 * and a queue entry: the item's bytes are shared by every session.
 *
 * GroupResend (RELAY_FEATURE_GROUP_RESEND) rewinds one group's cursor on this connection:
 * its result goes out first, then the items after the client's gseq, read from the store
 * by the same catch-up (pages of catchUpBatchMessages, nothing while the socket is full),
 * with live items waiting behind them as in any catch-up. It is the one way an item is
 * pushed twice on a connection: GroupAck is cumulative, and an ack below what was pushed
 * is the ordinary case, so it cannot ask for that (docs/decisions.md "Group notices: held
 * bound and gaps").
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Frame } from '../../wire/types.js';
import {
  GroupResendCode,
  type GroupResendCodeValue,
  SessionCode,
  type SessionCodeValue,
} from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { GroupItemOut } from './stream.js';

/** What group delivery needs of its connection. */
export interface GroupLink {
  readonly userHex: string;
  /** Ready and not closing. */
  readonly ready: boolean;
  /** Bytes queued and not yet taken by the kernel. */
  readonly bufferedBytes: number;
  /** Queues an already framed item (length prefix included), shared with other sessions. */
  sendFramed(framed: Buffer): void;
  /** Queues a frame (GroupResendResult), in order with the items. */
  send(frame: Frame): void;
  fail(code: SessionCodeValue, message: string): void;
}

/** What group delivery reads (stream.ts GroupStreams). */
export interface GroupSource {
  trackedGroupsOf(userHex: string): Iterable<string>;
  cursorOf(gidHex: string, userHex: string): number;
  read(
    gidHex: string,
    userHex: string,
    afterGseq: number,
    limit: number,
  ): Promise<{ items: GroupItemOut[]; done: boolean }>;
  /** Why `userHex` may not have `gidHex` sent again after `afterGseq` (resend.ts), or null. */
  resendRefusal(gidHex: string, userHex: string, afterGseq: number): GroupResendCodeValue | null;
}

/** The reason sent with each refusal of a GroupResend. */
const RESEND_REASONS: Record<GroupResendCodeValue, string> = {
  [GroupResendCode.Unknown]: 'resend: no such group here',
  [GroupResendCode.NotMember]: 'resend: the user is owed nothing of this group',
  [GroupResendCode.BadGseq]: 'resend: after_gseq is beyond the last item of the group',
  [GroupResendCode.TooMany]: 'resend: too many resends in this session',
};

interface GroupCursor {
  readonly gidHex: string;
  /** Highest gseq pushed on this connection. */
  cursor: number;
  catchingUp: boolean;
  pumping: boolean;
  /** Highest gseq offered while catching up: the pump goes on until it has pushed it. */
  latestOffered: number;
  /** Counts GroupResends: a read begun before one is from the old cursor, and is read again. */
  rewinds: number;
}

export class GroupDelivery {
  private readonly groups = new Map<string, GroupCursor>();
  /** Groups waiting for the socket to drain. */
  private readonly stalled = new Set<GroupCursor>();
  /** GroupResends this session asked (limits.maxGroupResendsPerSession). */
  private resends = 0;

  constructor(
    private readonly link: GroupLink,
    private readonly source: GroupSource,
    private readonly limits: RelayLimits,
    private readonly log: Logger,
  ) {}

  /** The session just became ready: deliver what each of its groups holds for it. */
  start(): void {
    for (const gidHex of this.source.trackedGroupsOf(this.link.userHex)) this.begin(gidHex);
  }

  /** A durable item for this user (the live path). */
  offer(item: GroupItemOut): void {
    if (!this.link.ready) return;
    const g = this.groups.get(item.gidHex);
    if (!g) {
      // The first item of a group joined during this session: read from the store.
      this.begin(item.gidHex).latestOffered = item.gseq;
      return;
    }
    if (item.gseq <= g.cursor) return;
    if (g.catchingUp || this.full()) {
      if (item.gseq > g.latestOffered) g.latestOffered = item.gseq;
      if (!g.catchingUp) {
        g.catchingUp = true;
        this.stalled.add(g);
      }
      return;
    }
    this.push(g, item);
  }

  /** An item still being written: pushed only to a session keeping up that has `prevGseq`. True if pushed. */
  offerEarly(item: GroupItemOut, prevGseq: number): boolean {
    const g = this.groups.get(item.gidHex);
    if (!g || g.catchingUp || g.cursor !== prevGseq || !this.link.ready || this.full())
      return false;
    this.push(g, item);
    return true;
  }

  /** The socket drained or a write went out whole: resume stalled catch-ups. */
  resume(): void {
    if (this.stalled.size === 0 || !this.link.ready) return;
    for (const g of this.stalled) if (!g.pumping) void this.pump(g);
  }

  /**
   * GroupResend: answers first (a refusal sends nothing more), then pushes the group's
   * items after `afterGseq` again, in gseq order, from the store.
   */
  resend(groupId: Uint8Array, gidHex: string, afterGseq: number): void {
    const refused =
      ++this.resends > this.limits.maxGroupResendsPerSession
        ? GroupResendCode.TooMany
        : this.source.resendRefusal(gidHex, this.link.userHex, afterGseq);
    this.link.send({
      type: 'group-resend-result',
      groupId,
      afterGseq,
      code: refused ?? '',
      reason: refused === null ? '' : RESEND_REASONS[refused],
    });
    if (refused !== null) return;
    const g = this.groups.get(gidHex) ?? this.begin(gidHex);
    g.cursor = afterGseq;
    g.rewinds++;
    g.catchingUp = true;
    this.stalled.add(g);
    void this.pump(g);
  }

  private begin(gidHex: string): GroupCursor {
    const g: GroupCursor = {
      gidHex,
      cursor: this.source.cursorOf(gidHex, this.link.userHex),
      catchingUp: true,
      pumping: false,
      latestOffered: 0,
      rewinds: 0,
    };
    this.groups.set(gidHex, g);
    this.stalled.add(g);
    void this.pump(g);
    return g;
  }

  private full(): boolean {
    return this.link.bufferedBytes >= this.limits.maxSessionBufferedBytes;
  }

  private push(g: GroupCursor, item: GroupItemOut): void {
    this.link.sendFramed(item.framed);
    g.cursor = item.gseq;
  }

  /** Catch-up of one group: items after the cursor until caught up or the socket is full. */
  private async pump(g: GroupCursor): Promise<void> {
    if (g.pumping) return;
    g.pumping = true;
    try {
      while (this.link.ready && g.catchingUp) {
        if (this.full()) return; // resumed on drain
        // Everything offered before this read is durable, so the read sees it or it is gone.
        const wanted = g.latestOffered;
        const rewinds = g.rewinds;
        const { items, done } = await this.source.read(
          g.gidHex,
          this.link.userHex,
          g.cursor,
          this.limits.catchUpBatchMessages,
        );
        if (!this.link.ready) return;
        // A GroupResend came meanwhile: read from where it asked.
        if (g.rewinds !== rewinds) continue;
        let stopped = false;
        for (const item of items) {
          if (item.gseq <= g.cursor) continue;
          if (this.full()) {
            stopped = true;
            break;
          }
          this.push(g, item);
        }
        if (stopped || !done) continue;
        // Offered items the read did not return were acknowledged or expired meanwhile.
        if (wanted > g.cursor) g.cursor = wanted;
        if (g.cursor >= g.latestOffered) {
          g.catchingUp = false;
          this.stalled.delete(g);
        }
      }
    } catch (err) {
      this.log.error('group catch-up read failed', describeError(err));
      this.link.fail(SessionCode.Internal, 'relay could not read stored group items');
    } finally {
      g.pumping = false;
    }
  }
}
