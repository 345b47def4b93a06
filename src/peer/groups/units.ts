/**
 * Runs group work (work.ts) one unit at a time (queue.ts): each unit's changes are
 * written as one synced batch, then held by the book, then announced; the outbox
 * sender is kicked if the unit queued anything. A unit whose batch fails to write
 * changes nothing and announces nothing; its caller gets the error.
 */
import type { Clock } from '../../util/clock.js';
import type { PeerEvents } from '../events.js';
import type { OfferSink } from '../files/offer-sink.js';
import type { PeerStore } from '../store.js';
import type { GroupBook } from './book.js';
import type { SenderKeys } from './chains.js';
import type { HeldGroupMessages } from './held.js';
import { SerialQueue } from './queue.js';
import { GroupWork, type WorkStats } from './work.js';

export interface UnitsDeps {
  book: GroupBook;
  keys: SenderKeys;
  held: HeldGroupMessages;
  store: PeerStore;
  events: PeerEvents;
  clock: Clock;
  /** Outbox entries were queued: send them. */
  kick: () => void;
  /** Where file offers to a group go once their unit is durable (files/transfers.ts). */
  offers?: OfferSink;
}

export class GroupUnits {
  private readonly queue = new SerialQueue();
  /** Counters across units (part of PeerStats). */
  readonly stats: WorkStats = { damagedMessages: 0 };

  constructor(private readonly d: UnitsDeps) {}

  /**
   * Runs `job` on a fresh unit, after every unit queued before it. `durable` runs once
   * the unit's batch is written and the book holds it, before the announcements (the
   * stream acknowledges there).
   */
  run<T>(job: (work: GroupWork) => Promise<T>, durable?: (work: GroupWork) => void): Promise<T> {
    return this.queue.run(async () => {
      const { book, keys, held, clock } = this.d;
      const work = new GroupWork(clock.now(), book, keys, held, this.stats);
      const result = await job(work);
      await this.d.store.write(work.batch());
      work.commit();
      durable?.(work);
      work.announce(this.d.events);
      if (work.offers.length > 0) this.d.offers?.arrived(work.offers);
      if (work.queued) this.d.kick();
      return result;
    });
  }

  /** Resolves once every unit queued so far has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
