/**
 * A relay Session over an in-memory stream, with a stand-in context: for unit tests of what
 * a session sends and when it is closed, without sockets or a store.
 */
import { ByteBudget } from '../../src/relay/budget.js';
import type { RelayContext } from '../../src/relay/context.js';
import { Delivery, type DeliveryLink, type SessionDelivery } from '../../src/relay/delivery.js';
import { InflightShares } from '../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../src/relay/limits.js';
import type { MailStore, StoredMail } from '../../src/relay/mail-store.js';
import { Session } from '../../src/relay/session.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';
import { silentLogger } from '../../src/util/logger.js';
import { backpressuredPair, duplexPair } from './duplex.js';

/** What a session's catch-up reads: stored mail after a seq. */
export type MailRead = (
  user: string,
  afterSeq: number,
  limit: number,
) => Promise<{ mails: StoredMail[]; done: boolean }>;

export interface MemorySessionOptions {
  limits?: Partial<RelayLimits>;
  /** The store's reads; none by default. */
  read?: MailRead;
  log?: Logger;
  /** The relay-wide budget (maxRelayBufferedBytes); unbounded by default. */
  relayBudget?: number;
  /** A client side that takes bytes only as it reads them, as TCP does (backpressuredPair). */
  backpressure?: boolean;
}

export function memorySession(options: MemorySessionOptions = {}) {
  const read: MailRead = options.read ?? (async () => ({ mails: [], done: true }));
  const clock = new ManualClock();
  const mailbox = {
    read,
    deliveryFor(link: DeliveryLink, l: RelayLimits, log: Logger): SessionDelivery {
      return new Delivery(link, mailbox as unknown as MailStore, l, log, clock);
    },
  };
  const limits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const ctx = {
    limits,
    inflight: new InflightShares(limits),
    clock,
    log: options.log ?? silentLogger,
    mailbox,
    // No groups here: the session's group delivery finds none to catch up.
    groups: { streams: { trackedGroupsOf: () => [] } },
    hub: { remove() {} },
    budget: new ByteBudget(options.relayBudget ?? Number.MAX_SAFE_INTEGER),
  } as unknown as RelayContext;
  const [relaySide, clientSide] = options.backpressure ? backpressuredPair() : duplexPair();
  // In memory there is no TLS: a fixed binding stands in for the exporter.
  const session = new Session(relaySide, ctx, 'test', new Uint8Array(32).fill(0xcb));
  return { session, clientSide, clock, ctx };
}
