/**
 * Directory lookups on the relay: Lookup{request_id} → LookupResult{request_id}.
 * Owns the request ids and the callers waiting for answers; a lost connection
 * fails every waiting lookup at once rather than leaving it to time out.
 */
import { type Clock, systemClock } from '../util/clock.js';
import { NatterError } from '../util/errors.js';
import type { Card, Frame, FrameOf } from '../wire/types.js';

/** A relay on the LAN answers a lookup in milliseconds; this only bounds a wedged one. */
export const LOOKUP_TIMEOUT_MS = 10_000;

export interface LookupAnswer {
  card: Card | null;
  online: boolean;
}

type By = { pseudonym: string } | { userId: Uint8Array };

export class Lookups {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (a: LookupAnswer) => void; reject: (e: NatterError) => void }
  >();

  constructor(
    private readonly send: (frame: Frame) => boolean,
    private readonly clock: Clock = systemClock,
    private readonly timeoutMs = LOOKUP_TIMEOUT_MS,
  ) {}

  /** Asks the relay; fails with E_OFFLINE when not connected, E_LOOKUP_TIMEOUT if unanswered. */
  request(by: By): Promise<LookupAnswer> {
    const requestId = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    if (!this.send({ type: 'lookup', requestId, by })) {
      return Promise.reject(new NatterError('E_OFFLINE', 'lookup: not connected to the relay'));
    }
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new NatterError('E_LOOKUP_TIMEOUT', 'lookup: the relay did not answer'));
      }, this.timeoutMs);
      this.waiting.set(requestId, {
        resolve: (a) => {
          this.clock.clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  onResult(frame: FrameOf<'lookup-result'>): void {
    const waiter = this.waiting.get(frame.requestId);
    if (waiter === undefined) return;
    this.waiting.delete(frame.requestId);
    waiter.resolve({ card: frame.card, online: frame.online });
  }

  /** The connection is gone: nobody will answer these. */
  failAll(): void {
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiters) w.reject(new NatterError('E_OFFLINE', 'lookup: connection lost'));
  }
}
