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
 * and resend them. The mailbox keeps each recipient's order: a put that is not held, for a
 * recipient with held puts, first releases every held put (`releaseAll`).
 *
 * One timer for all held puts (event-loop time, not the injected clock: like the delayed
 * SendAcks, a scheduling choice that no protocol rule depends on).
 */
import type { KvOp } from './store/index.js';

/** What a held put came to when the recipient's ack took it back (else: its write's result). */
export const TAKEN = 'taken';

interface Held<R> {
  key: string;
  recipientHex: string;
  op: KvOp;
  /** performance.now() when held. */
  since: number;
  settle: (outcome: R | typeof TAKEN) => void;
  done: boolean;
}

export class HeldPuts<R> {
  private readonly byKey = new Map<string, Held<R>>();
  /** Every put held and not yet settled, oldest first (settled ones are skipped). */
  private queue: Held<R>[] = [];
  private readonly perRecipient = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  /** `write` submits a released put to the mailbox's group commit. */
  constructor(
    private readonly holdMs: number,
    private readonly maxHeld: number,
    private readonly write: (op: KvOp) => Promise<R>,
  ) {}

  /** Puts held now. */
  get size(): number {
    return this.byKey.size;
  }

  /** Whether another put may be held now. */
  get open(): boolean {
    return this.holdMs > 0 && this.byKey.size < this.maxHeld;
  }

  /** Whether `recipientHex` has puts held. */
  holds(recipientHex: string): boolean {
    return this.perRecipient.has(recipientHex);
  }

  /** Holds `op` (the put of mail `key`) until its ack or holdMs, whichever comes first. */
  hold(recipientHex: string, key: string, op: KvOp): Promise<R | typeof TAKEN> {
    return new Promise((settle) => {
      const held: Held<R> = {
        key,
        recipientHex,
        op,
        since: performance.now(),
        settle,
        done: false,
      };
      this.byKey.set(key, held);
      this.queue.push(held);
      this.perRecipient.set(recipientHex, (this.perRecipient.get(recipientHex) ?? 0) + 1);
      this.arm(this.holdMs);
    });
  }

  /** The recipient acknowledged mail `key`: true if its put was held (it is then never written). */
  take(key: string): boolean {
    const held = this.byKey.get(key);
    if (held === undefined) return false;
    this.settle(held);
    held.settle(TAKEN);
    return true;
  }

  /** Writes every held put now, oldest first (another put must not overtake them; closing). */
  releaseAll(): void {
    const queue = this.queue;
    this.queue = [];
    for (const held of queue) if (!held.done) this.release(held);
  }

  /** Ends every held put with `result` unwritten (the store reopened: the mailbox refuses them). */
  dropAll(result: R): void {
    const queue = this.queue;
    this.queue = [];
    for (const held of queue) {
      if (held.done) continue;
      this.settle(held);
      held.settle(result);
    }
  }

  private release(held: Held<R>): void {
    this.settle(held);
    void this.write(held.op).then(held.settle);
  }

  private settle(held: Held<R>): void {
    held.done = true;
    this.byKey.delete(held.key);
    const left = (this.perRecipient.get(held.recipientHex) ?? 1) - 1;
    if (left > 0) this.perRecipient.set(held.recipientHex, left);
    else this.perRecipient.delete(held.recipientHex);
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
      if (now - held.since < this.holdMs - 1) break;
      this.release(held);
    }
    // queue[0] is now the oldest put not yet due (the loop stops at no settled one).
    this.queue = this.queue.slice(i);
    const oldest = this.queue[0];
    if (oldest !== undefined) this.arm(Math.max(1, this.holdMs - (now - oldest.since)));
  }
}
