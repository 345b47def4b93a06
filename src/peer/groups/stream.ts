/**
 * The groups' streams from the relay (GroupDeliver), to durable state and the screen.
 * Items that arrive in one event-loop turn are one unit of work (units.ts): per group,
 * in gseq order, each change is applied (apply.ts) and each message opened or held
 * (receive.ts); an item at or below the gseq already applied is a redelivery and is
 * skipped. Everything the unit did, the new gseqs included, is written in one synced
 * batch; only then does each group's cumulative GroupAck go out (so the relay deletes
 * only what is safe here), and only then are the changes and messages announced.
 * A group that stops at an item takes nothing more until a new session, or until the
 * relay's GroupResendResult, which comes in the same order as the items (resend.ts).
 */
import { fromHex, toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { TickBatcher } from '../../util/tick-batcher.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { PeerEvents } from '../events.js';
import type { ChangeApplier } from './apply.js';
import { usersOf } from './info.js';
import type { MemberNames } from './members.js';
import type { GroupMessages } from './receive.js';
import type { GroupResends } from './resend.js';
import type { GroupUnits } from './units.js';
import type { GroupWork } from './work.js';

export interface StreamDeps {
  units: GroupUnits;
  names: MemberNames;
  applier: Pick<ChangeApplier, 'apply'>;
  messages: Pick<GroupMessages, 'receive'>;
  /** The groups stopped in this session, and their resends. */
  resends: GroupResends;
  link: { send(frame: Frame): boolean };
  events: PeerEvents;
  clock: Clock;
  logger: Logger;
  /** A group item arrived (the inbox wait's idle clock starts again). */
  activity: () => void;
}

type Deliver = FrameOf<'group-deliver'>;
type Resent = FrameOf<'group-resend-result'>;

export class GroupStream {
  private readonly arrivals: TickBatcher<Deliver | Resent>;
  /** Our clock, when the last item arrived (0: none yet). */
  lastItemAtMs = 0;
  /** Each item's arrival, a millisecond after the one before at least (GroupWork.stamp). */
  private readonly arrivedAt = new WeakMap<Deliver, number>();
  private lastArrivalMs = 0;

  constructor(private readonly d: StreamDeps) {
    this.arrivals = new TickBatcher((frames) => {
      const acks = new Map<string, number>();
      d.units
        .run(
          (work) => this.handle(work, frames, acks),
          () => this.acknowledge(acks),
        )
        .catch((err: unknown) => {
          // Not durable, so not acknowledged: the relay keeps the items and sends them again.
          d.logger.error('could not handle group items', describeError(err));
          d.events.emit('error', { ...describeError(err), fatal: false });
        });
    });
  }

  /** A GroupDeliver, or a GroupResendResult: where the items sent again begin. */
  push(frame: Deliver | Resent): void {
    this.lastItemAtMs = this.d.clock.now();
    if (frame.type === 'group-deliver') {
      this.lastArrivalMs = Math.max(this.lastItemAtMs, this.lastArrivalMs + 1);
      this.arrivedAt.set(frame, this.lastArrivalMs);
    }
    this.d.activity();
    this.arrivals.push(frame);
  }

  /** A request went out whose answer comes in the stream: the quiet window starts again. */
  asked(): void {
    this.lastItemAtMs = this.d.clock.now();
  }

  /** Hands this turn's items to the queue now (the units' idle() waits for them next). */
  flush(): void {
    this.arrivals.flushNow();
  }

  /** Handles `frames` in `work`; `acks` gets each group's gseq to acknowledge once durable. */
  private async handle(work: GroupWork, frames: (Deliver | Resent)[], acks: Map<string, number>) {
    const byGroup = new Map<string, (Deliver | Resent)[]>();
    for (const f of frames) {
      const gid = toHex(f.groupId);
      byGroup.set(gid, [...(byGroup.get(gid) ?? []), f]);
    }
    // One round of lookups for every user these items name, before any is shown.
    await this.d.names.learn(
      frames.flatMap((f) => {
        if (f.type === 'group-resend-result') return [];
        return f.item.kind === 'change' ? usersOf(f.item.change) : [toHex(f.item.from)];
      }),
    );
    for (const [gid, arrivals] of byGroup) {
      // A resend's result splits the group's items: those before it were pushed before the
      // relay saw the request, those after it are sent again, each run in gseq order.
      let run: Deliver[] = [];
      for (const f of arrivals) {
        if (f.type === 'group-deliver') {
          run.push(f);
          continue;
        }
        await this.run(work, gid, run, acks);
        run = [];
        this.d.resends.answered(f);
      }
      await this.run(work, gid, run, acks);
    }
  }

  /** Items of one group, taken in gseq order until the group stops. */
  private async run(work: GroupWork, gid: string, items: Deliver[], acks: Map<string, number>) {
    items.sort((a, b) => a.gseq - b.gseq);
    for (const f of items) {
      if (this.d.resends.stopped(gid)) return;
      work.itemAtMs = this.arrivedAt.get(f);
      if (f.gseq > work.gseq(gid)) {
        const stop = await this.item(work, gid, f);
        if (stop !== null) {
          this.d.resends.stop(gid, stop);
          return;
        }
      }
      work.setGseq(gid, f.gseq);
      acks.set(gid, work.gseq(gid));
    }
  }

  private acknowledge(acks: Map<string, number>): void {
    for (const [gid, throughGseq] of acks) {
      this.d.link.send({ type: 'group-ack', groupId: fromHex(gid), throughGseq });
    }
  }

  /**
   * One new item; why its group must stop here for now, or null: a log that cannot be
   * read (apply.ts), or a message with no room to wait for its sender's key (receive.ts).
   */
  private async item(
    work: GroupWork,
    gid: string,
    f: Deliver,
  ): Promise<'unreadable' | 'held' | null> {
    if (f.item.kind === 'change') {
      return (await this.d.applier.apply(work, gid, f.item.change)) ? null : 'unreadable';
    }
    const state = work.state(gid);
    // A message of a group I do not know: nothing to check it against (not sent to an
    // honest member before their own add). Acknowledged and dropped.
    if (state === undefined) return null;
    const { from, msgId, body } = f.item;
    const kept = await this.d.messages.receive(work, state, {
      gid,
      gseq: f.gseq,
      storedAtMs: f.storedAtMs,
      arrivedAtMs: work.stamp(),
      from,
      msgId,
      body,
    });
    return kept ? null : 'held';
  }
}
