/**
 * Mail puts held back for the recipient's ack (docs/decisions.md, "Acknowledged before
 * written"). At light load a message pushed early to a recipient that keeps up is
 * acknowledged (DeliverAck: "these are safe with me") a few milliseconds later; writing
 * it, syncing it and then deleting it was most of the relay's cost per message (issue
 * 14). So the mailbox may hold such a put for up to `holdMs`:
 * - an ack within that time takes it back (`take`): nothing is written, and the sender
 *   hears `delivered`, because the recipient now holds the message durably;
 * - otherwise it goes to the next batch like any put (`release`), and the sender hears
 *   `stored` after the synced write, as always.
 * A crash loses only held puts that nobody acknowledged: their senders never had an ack,
 * and resend them. The owner keeps each recipient's order: a put that is not held, for a
 * recipient with held puts, first releases that recipient's held puts (the mailbox: from
 * its index, mail-index.ts; a cluster: HeldLanes, cluster/held-lanes.ts). A held put is
 * named by the handle `hold` returns, which the owner keeps with its mail: no lookup.
 *
 * Held only while holding pays (`admit`): when most held puts are acked in time. When
 * acks come later than holdMs (a relay so loaded that its turns take longer), holding
 * only delays the writes and the senders' acks, so the mailbox writes at once and holds
 * one put in HOLD_PROBE_EVERY, to see when acks come in time again; the mailbox also
 * tells it when mail pushed early but not held is acked (`ackedUnheld`), which under
 * steady load is what can turn holding back on (a cluster's lanes have the probes only).
 *
 * One timer for all held puts (event-loop time, not the injected clock: like the delayed
 * SendAcks, a scheduling choice that no protocol rule depends on). Outcomes are calls to
 * the owner's hooks, not promises: on the relay's hot path a promise per put and a
 * reaction per outcome were a good part of its garbage per message (issue 14).
 */

/** Held puts whose outcome (taken, or written when due) decides whether holding pays. */
export const HOLD_PAYS_WINDOW = 64;
/**
 * Settled puts stay in the due-order queue until the timer passes them; past twice the
 * puts still held and this many more, `take` and `release` drop them, so a second's hold
 * at 100,000 msgs/s does not keep that second's taken mail alive.
 */
const SETTLED_KEPT = 1024;
/** While holding does not pay, one candidate put in this many is still held (a probe). */
export const HOLD_PROBE_EVERY = 16;

export interface HeldPutsOptions {
  /** How long a put waits for its ack (0: never held). */
  holdMs: number;
  /** Puts held at once, and the bytes of their values. */
  maxHeld: number;
  maxHeldBytes: number;
}

/** What becomes of a held put, told to its owner. */
export interface HeldPutsHooks<Op> {
  /** Released (came due, release, releaseAll): write it now. */
  write(op: Op): void;
  /** Taken back by its recipient's ack: never written. */
  taken(op: Op): void;
}

/**
 * One held put, as `hold` returns it; `done` once taken, released or dropped, and then it
 * no longer holds its op: a settled entry waits in the due queue until it is dropped
 * (SETTLED_KEPT), and kept its mail alive there (at 500 clients, tens of thousands).
 */
export interface Held {
  readonly bytes: number;
  /** performance.now() when held. */
  readonly since: number;
  readonly done: boolean;
}

interface Entry<Op> extends Held {
  /** null once settled. */
  op: Op | null;
  done: boolean;
}

export class HeldPuts<Op> {
  /** Every put held and not yet settled, oldest first (settled ones are skipped). */
  private queue: Entry<Op>[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private bytes = 0;
  /** Outcomes in the current window: taken by an ack, or written when due. */
  private taken = 0;
  private expired = 0;
  private pays = true;
  private sinceProbe = 0;

  /** `hooks.write` submits a released put to the mailbox's group commit (a cluster: publishes it). */
  constructor(
    private readonly options: HeldPutsOptions,
    private readonly hooks: HeldPutsHooks<Op>,
  ) {}

  /** Puts held now. */
  get size(): number {
    return this.count;
  }

  /** Entries the timer still walks: the puts held and settled ones not yet dropped. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether holding pays now: most held puts of the last window were acked in time. */
  get paying(): boolean {
    return this.pays;
  }

  /**
   * Whether to hold a put of `bytes` now: within the bounds, while holding pays, and as
   * a probe otherwise (one candidate in HOLD_PROBE_EVERY).
   */
  admit(bytes: number): boolean {
    const { holdMs, maxHeld, maxHeldBytes } = this.options;
    if (holdMs <= 0 || this.count >= maxHeld || this.bytes + bytes > maxHeldBytes) {
      return false;
    }
    if (this.pays) return true;
    this.sinceProbe = (this.sinceProbe + 1) % HOLD_PROBE_EVERY;
    return this.sinceProbe === 0;
  }

  /**
   * Holds `op` (a put `bytes` long) until its ack (`take`: hooks.taken) or holdMs
   * (hooks.write), whichever comes first.
   */
  hold(op: Op, bytes: number): Held {
    const held: Entry<Op> = { op, bytes, since: performance.now(), done: false };
    this.count++;
    this.bytes += bytes;
    this.queue.push(held);
    this.arm(this.options.holdMs);
    return held;
  }

  /** The recipient acknowledged `held`'s mail: true if it was still held (it is then never written). */
  take(held: Held): boolean {
    if (held.done) return false;
    const op = this.end(held as Entry<Op>);
    this.outcome(true);
    this.hooks.taken(op);
    this.dropSettled();
    return true;
  }

  /**
   * The recipient acked mail pushed early but not held, `ageMs` after its put: while holding
   * does not pay, whether holding it would have (acked within holdMs) counts as a held put's
   * outcome would. Probes alone could not turn holding back on under steady load: the next
   * put for the same recipient, not held, releases a probe before any ack can come.
   */
  ackedUnheld(ageMs: number): void {
    if (!this.pays) this.outcome(ageMs < this.options.holdMs);
  }

  /** Writes `held` now if it is still held (its recipient will not ack it: a cluster; its order). */
  release(held: Held): void {
    if (held.done) return;
    this.outcome(false);
    this.releaseHeld(held as Entry<Op>);
    this.dropSettled();
  }

  /** Writes every held put now, oldest first (the TTL sweep; closing). */
  releaseAll(): void {
    const queue = this.queue;
    this.queue = [];
    for (const held of queue) if (!held.done) this.releaseHeld(held);
  }

  /** Ends every held put unwritten, each given to `dropped` (the store reopened: the mailbox refuses them). */
  dropAll(dropped: (op: Op) => void): void {
    const queue = this.queue;
    this.queue = [];
    for (const held of queue) if (!held.done) dropped(this.end(held));
  }

  private releaseHeld(held: Entry<Op>): void {
    this.hooks.write(this.end(held));
  }

  /** A held put was taken (true) or came due unacked (false): the window's verdict. */
  private outcome(taken: boolean): void {
    if (taken) this.taken++;
    else this.expired++;
    if (this.taken + this.expired < HOLD_PAYS_WINDOW) return;
    this.pays = this.taken >= this.expired;
    this.taken = 0;
    this.expired = 0;
  }

  /** Drops settled puts from the queue once they are most of it (not from inside `due`). */
  private dropSettled(): void {
    if (this.queue.length > 2 * this.count + SETTLED_KEPT) {
      this.queue = this.queue.filter((held) => !held.done);
    }
  }

  /** Settles `held` (not yet done): its op, which it no longer holds. */
  private end(held: Entry<Op>): Op {
    const op = held.op as Op;
    held.op = null;
    held.done = true;
    this.count--;
    this.bytes -= held.bytes;
    return op;
  }

  private arm(ms: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.due(), ms);
    // Held puts alone do not keep a process alive; closing releases them (Mailbox.close).
    this.timer.unref();
  }

  /** Releases the puts held holdMs or longer; re-arms for the oldest of the rest. */
  private due(): void {
    this.timer = null;
    const now = performance.now();
    let i = 0;
    for (; i < this.queue.length; i++) {
      const held = this.queue[i]!;
      if (held.done) continue;
      // A timer may fire a little early: within a millisecond counts as due.
      if (now - held.since < this.options.holdMs - 1) break;
      this.outcome(false);
      this.releaseHeld(held);
    }
    // queue[0] is now the oldest put not yet due (the loop stops at no settled one).
    this.queue = this.queue.slice(i);
    const oldest = this.queue[0];
    if (oldest !== undefined) this.arm(Math.max(1, this.options.holdMs - (now - oldest.since)));
  }
}
