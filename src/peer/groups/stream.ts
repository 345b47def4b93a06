/**
 * The groups' streams from the relay (GroupDeliver), to durable state and the screen.
 * Items that arrive in one event-loop turn are one unit of work (units.ts): per group,
 * in gseq order, each change is applied (apply.ts) and each message opened or held
 * (receive.ts); an item at or below the gseq already applied is a redelivery and is
 * skipped. Everything the unit did, the new gseqs included, is written in one synced
 * batch; only then does each group's cumulative GroupAck go out (so the relay deletes
 * only what is safe here), and only then are the changes and messages announced.
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
import type { GroupUnits } from './units.js';
import type { GroupWork } from './work.js';

export interface StreamDeps {
  units: GroupUnits;
  names: MemberNames;
  applier: Pick<ChangeApplier, 'apply'>;
  messages: Pick<GroupMessages, 'receive'>;
  link: { send(frame: Frame): boolean };
  events: PeerEvents;
  clock: Clock;
  logger: Logger;
  /** A group item arrived (the inbox wait's idle clock starts again). */
  activity: () => void;
}

type Deliver = FrameOf<'group-deliver'>;

export class GroupStream {
  private readonly arrivals: TickBatcher<Deliver>;
  /** Our clock, when the last item arrived (0: none yet). */
  lastItemAtMs = 0;
  /** Each item's arrival, a millisecond after the one before at least (GroupWork.stamp). */
  private readonly arrivedAt = new WeakMap<Deliver, number>();
  private lastArrivalMs = 0;
  /**
   * Groups whose stream stopped at an item that could not be handled now (its log
   * could not be read, or a message could not be held for its sender's key): nothing
   * later of theirs is handled or acknowledged in this session, so no ack passes it;
   * the relay sends them all again next session.
   */
  private readonly stalled = new Set<string>();

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

  push(frame: Deliver): void {
    this.lastItemAtMs = this.d.clock.now();
    this.lastArrivalMs = Math.max(this.lastItemAtMs, this.lastArrivalMs + 1);
    this.arrivedAt.set(frame, this.lastArrivalMs);
    this.d.activity();
    this.arrivals.push(frame);
  }

  /** A new session: the relay sends every group's items from its cursor again. */
  newSession(): void {
    this.stalled.clear();
  }

  /** Hands this turn's items to the queue now (the units' idle() waits for them next). */
  flush(): void {
    this.arrivals.flushNow();
  }

  /** Handles `frames` in `work`; `acks` gets each group's gseq to acknowledge once durable. */
  private async handle(work: GroupWork, frames: Deliver[], acks: Map<string, number>) {
    const byGroup = new Map<string, Deliver[]>();
    for (const f of frames) {
      const gid = toHex(f.groupId);
      byGroup.set(gid, [...(byGroup.get(gid) ?? []), f]);
    }
    // One round of lookups for every user these items name, before any is shown.
    await this.d.names.learn(
      frames.flatMap((f) =>
        f.item.kind === 'change' ? usersOf(f.item.change) : [toHex(f.item.from)],
      ),
    );
    for (const [gid, items] of byGroup) {
      items.sort((a, b) => a.gseq - b.gseq);
      for (const f of items) {
        if (this.stalled.has(gid)) break;
        work.itemAtMs = this.arrivedAt.get(f);
        if (f.gseq > work.gseq(gid) && !(await this.item(work, gid, f))) {
          this.stalled.add(gid);
          break;
        }
        work.setGseq(gid, f.gseq);
        acks.set(gid, work.gseq(gid));
      }
    }
  }

  private acknowledge(acks: Map<string, number>): void {
    for (const [gid, throughGseq] of acks) {
      this.d.link.send({ type: 'group-ack', groupId: fromHex(gid), throughGseq });
    }
  }

  /**
   * One new item; false when its group must stop here for now: a log that cannot be
   * read (apply.ts), or a message with no room to wait for its sender's key (receive.ts).
   */
  private async item(work: GroupWork, gid: string, f: Deliver): Promise<boolean> {
    if (f.item.kind === 'change') return this.d.applier.apply(work, gid, f.item.change);
    const state = work.state(gid);
    // A message of a group I do not know: nothing to check it against (not sent to an
    // honest member before their own add). Acknowledged and dropped.
    if (state === undefined) return true;
    const { from, msgId, body } = f.item;
    return this.d.messages.receive(work, state, {
      gid,
      gseq: f.gseq,
      storedAtMs: f.storedAtMs,
      arrivedAtMs: work.stamp(),
      from,
      msgId,
      body,
    });
  }
}
