/**
 * Connecting to a relay found on the LAN (DESIGN.md §2 and §5, issue 10). A
 * beacon's source address is only a hint: anyone can replay a genuine beacon
 * from their own address, and the first to arrive must not choose where we
 * dial. So every address heard announcing the relay id is a candidate, tried in
 * turn, best first (presence/relays.ts), and the link decides: a candidate whose
 * relay does not prove the id (E_RELAY_ID_MISMATCH, a bad signature, a failed
 * channel) is dropped and the next one tried; one that cannot be reached gives
 * way to the next. When every address heard was refused, discovery listens one
 * beacon interval more: the relay's own next beacon names its real address.
 */
import type { Clock } from '../util/clock.js';
import { isNatterError, type NatterError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { PeerCode, peerError } from './errors.js';
import { type PeerEventMap, type PeerEventName, PeerEvents } from './events.js';
import { LinkCode } from './link/errors.js';
import { FINAL_CODES, REFUSED_FOR_NOW_CODES } from './link/handshake.js';
import type { RelaySession } from './link/session.js';
import { CANDIDATE_WINDOW_MS, type DiscoveredRelay } from './presence/discovery.js';
import { relayFingerprint } from './profile.js';
import { formatRelayAddress, type RelayAddress } from './relay-address.js';

export interface CandidateDeps {
  clock: Clock;
  logger: Logger;
  /** The core's events. A candidate's own go through CandidateEvents. */
  events: PeerEvents;
  /**
   * A session to `address` whose relay must prove `relayId`, reporting on
   * `events`; the caller keeps it as its session (so close() reaches it), and
   * throws E_CLOSED once closed.
   */
  open(address: RelayAddress, relayId: string, events: PeerEvents): RelaySession;
  /** Listens up to `timeoutMs` for more addresses announcing the relay, none in `exclude`. */
  rediscover(exclude: ReadonlySet<string>, timeoutMs: number): Promise<RelayAddress[]>;
  /** The LAN's beacon interval: a relay is heard again within it. */
  beaconIntervalMs: number;
}

/**
 * Tries `found`'s candidates in turn until one reaches Ready, is refused by the
 * relay itself (a relay refusal is final: that relay proved its id), or runs
 * out the deadline (then it stays, retrying, like any session). Resolves to that
 * session; connect() then waits on it as usual. If every candidate proved
 * another relay (or none), rejects with the last one's error: a later connect()
 * listens again.
 */
export async function connectCandidates(
  found: DiscoveredRelay,
  deadlineMs: number,
  d: CandidateDeps,
): Promise<RelaySession> {
  const refused = new Set<string>();
  const queue = [...found.candidates];
  let last: { err: NatterError; events: CandidateEvents } | null = null;
  for (;;) {
    if (queue.length === 0 && last !== null) {
      const waitMs = Math.min(d.beaconIntervalMs + CANDIDATE_WINDOW_MS, deadlineMs - d.clock.now());
      if (waitMs > 0) queue.push(...(await d.rediscover(refused, waitMs)));
    }
    const address = queue.shift();
    if (address === undefined) {
      if (last === null) throw peerError(PeerCode.Internal, 'connect: a relay with no address');
      last.events.take();
      throw last.err;
    }
    const where = formatRelayAddress(address);
    const events = new CandidateEvents(d.events);
    const session = d.open(address, found.relayId, events);
    const attempt = await firstAttempt(session, d.clock, deadlineMs);
    if (attempt.kind === 'lost' && queue.length > 0) {
      d.logger.info('relay candidate unreachable, trying the next', { address: where });
      session.close();
      continue;
    }
    if (attempt.kind === 'stopped' && !isRelayRefusal(attempt.err)) {
      refused.add(where);
      d.logger.warn('relay candidate refused', { address: where, code: attempt.err.code });
      d.events.emit('error', {
        code: attempt.err.code,
        message: `a beacon for relay ${relayFingerprint(found.relayId)} came from ${where}, which did not prove that relay id; ignored it (a host on the LAN may be replaying the relay's beacon)`,
        fatal: false,
      });
      last = { err: attempt.err, events };
      continue;
    }
    events.take();
    return session;
  }
}

type Attempt =
  | { kind: 'ready' }
  | { kind: 'timeout' }
  /** The dial failed, or the link dropped before Ready: the session would retry the same address. */
  | { kind: 'lost' }
  /** Stopped for good, with this error. */
  | { kind: 'stopped'; err: NatterError };

/** Starts `session` and reports how its first attempt ended, no later than the deadline. */
function firstAttempt(session: RelaySession, clock: Clock, deadlineMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const done = (attempt: Attempt) => {
      off();
      resolve(attempt);
    };
    const off = session.connection.on('state', (state) => {
      if (state === 'offline') done({ kind: 'lost' });
    });
    session.waitReady(Math.max(0, deadlineMs - clock.now())).then(
      () => done({ kind: 'ready' }),
      (err: unknown) => {
        if (isNatterError(err, LinkCode.RelayTimeout)) done({ kind: 'timeout' });
        else if (isNatterError(err)) done({ kind: 'stopped', err });
        else done({ kind: 'stopped', err: peerError(PeerCode.Internal, String(err)) });
      },
    );
  });
}

/**
 * Errors after which the relay at that address is the one we want: its own
 * refusals (it proved the relay id before answering), and our being closed.
 * Anything else stopping a candidate means whoever answered is not that relay.
 */
function isRelayRefusal(err: NatterError): boolean {
  return (
    FINAL_CODES.has(err.code) || REFUSED_FOR_NOW_CODES.has(err.code) || err.code === LinkCode.Closed
  );
}

/**
 * A candidate session's events. Progress ('connecting', 'offline', 'ready', ...)
 * reaches the core's events at once; the end of a candidate ('closed', a fatal
 * 'error') is held until the candidate is taken, so a refused address does not
 * tell a UI that the link is gone for good.
 */
class CandidateEvents extends PeerEvents {
  private held: (() => void)[] | null = [];

  constructor(private readonly target: PeerEvents) {
    super();
  }

  /** This candidate is the session now: what it held is told, and the rest passes through. */
  take(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const tell of held) tell();
  }

  override emit<K extends PeerEventName>(name: K, event: PeerEventMap[K]): void {
    if (this.held !== null && ending(name, event)) {
      this.held.push(() => this.target.emit(name, event));
    } else {
      this.target.emit(name, event);
    }
  }
}

function ending<K extends PeerEventName>(name: K, event: PeerEventMap[K]): boolean {
  if (name === 'connection:state') {
    return (event as PeerEventMap['connection:state']).state === 'closed';
  }
  return name === 'error' && (event as PeerEventMap['error']).fatal;
}
