/**
 * Whether the relay can reach its mail store (a cluster's JetStream), and telling the
 * sessions (operator trial: with NATS stopped, a login read "0 waiting" and `natter inbox`
 * said "no new messages" over mail waiting in the stream). The store is down from a failed
 * read or a lost NATS connection until a probe answers; every change goes to each ready
 * session that announced CLIENT_FEATURE_STORE_STATUS, as a StoreStatus frame. A
 * standalone relay's LevelDB is in its own process: it has none (a failed read there is
 * said to that one session, delivery.ts).
 */
import type { Clock, Timer } from '../util/clock.js';
import { CLIENT_FEATURE_STORE_STATUS } from '../wire/limits.js';
import type { Frame } from '../wire/types.js';
import { SessionCode } from './errors.js';

/** How often a store that did not answer is asked again: "back" is said within this. */
export const STORE_PROBE_MS = 1_000;

export class StoreReach {
  /**
   * No connection to the store at all (every NATS node gone): a read would only wait out
   * its timeout, so logins do not ask. One node lost in a cluster is not this: the
   * connection moves to another at once, and the store may answer through it.
   */
  offline = false;
  private reachable_ = true;
  private timer: Timer | null = null;
  private probing = false;
  private closed = false;
  private readonly listeners = new Set<(reachable: boolean) => void>();

  /** `probe` resolves if the store answers, rejects if not. */
  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly clock: Clock,
    private readonly everyMs = STORE_PROBE_MS,
  ) {}

  get reachable(): boolean {
    return this.reachable_;
  }

  /** Called on every change, with the new state. */
  onChange(listener: (reachable: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The store did not answer (a read failed, the connection to it is lost). */
  down(): void {
    if (this.closed) return;
    if (this.reachable_) {
      this.reachable_ = false;
      this.tell();
    }
    this.later();
  }

  /** The store answered a read: reachable, whatever the last probe found. */
  answered(): void {
    if (this.reachable_ || this.closed) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.reachable_ = true;
    this.tell();
  }

  /** Ask now, not at the next probe (the connection to it is back). */
  check(): void {
    if (this.reachable_ || this.closed) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    void this.ask();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private later(): void {
    if (this.timer !== null || this.probing || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.ask();
    }, this.everyMs);
  }

  private async ask(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let answered = false;
    try {
      await this.probe();
      answered = true;
    } catch {
      // Still down: asked again below.
    } finally {
      this.probing = false;
    }
    if (this.closed || this.reachable_) return;
    if (!answered) {
      this.later();
      return;
    }
    this.reachable_ = true;
    this.tell();
  }

  private tell(): void {
    for (const listener of [...this.listeners]) listener(this.reachable_);
  }
}

/** What a session is sent: reachable, or why not. */
export function storeStatusFrame(reachable: boolean): Frame {
  return { type: 'store-status', code: reachable ? '' : SessionCode.StoreUnavailable };
}

/** What StoreStatus needs of a session. */
export interface StoreListener {
  readonly state: string;
  understands(feature: number): boolean;
  send(frame: Frame): void;
}

/** Tells every ready session that understands it, whenever `reach` changes. */
export function tellSessions(reach: StoreReach, sessions: Iterable<StoreListener>): void {
  reach.onChange((reachable) => {
    for (const s of sessions) {
      if (s.state === 'ready' && s.understands(CLIENT_FEATURE_STORE_STATUS)) {
        s.send(storeStatusFrame(reachable));
      }
    }
  });
}
