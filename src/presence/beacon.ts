/**
 * The client beacon: announces us, answers newcomers, feeds the roster
 * (DESIGN.md §5, issue 3). The UDP sockets it sends and hears through are
 * udp-socket.ts's (openPresenceSocket).
 */
import { signCard } from '../crypto/card.js';
import type { Identity } from '../crypto/keys.js';
import { randomBytes } from '../crypto/random.js';
import { toHex } from '../util/bytes.js';
import type { Clock, Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/emitter.js';
import { describeError } from '../util/errors.js';
import { LruMap } from '../util/lru.js';
import { MAX_STATUS_TEXT_CHARS, QUERY_NONCE_BYTES } from '../wire/limits.js';
import { isSafeLine, pseudonymProblem } from '../wire/text.js';
import type { Card, Status } from '../wire/types.js';
import { MISSED_HEARTBEATS_BEFORE_EXPIRY, OWN_QUERY_NONCES } from './constants.js';
import { anonymousQuery, SeqCounter, signPresence } from './datagram.js';
import { PresenceCode, presenceError } from './errors.js';
import type { DropReason } from './filter.js';
import { type Accepted, type LinkOptions, type LinkStats, PresenceLink } from './link.js';
import { type RelaySighting, RelayTracker } from './relays.js';
import {
  type PinLookup,
  Roster,
  type RosterChange,
  type RosterItem,
  type RosterStats,
} from './roster.js';
import { directedBroadcasts } from './targets.js';
import type { OpenTransport } from './transport.js';
import { openPresenceSocket } from './udp-socket.js';

export interface BeaconEvents {
  'roster:change': RosterChange;
  /** Every verified beacon with a new seq for its source address (about one per interval per relay). */
  'relay:seen': RelaySighting;
  'datagram:dropped': DropReason;
}

/** See LinkOptions for port, bindAddress, intervalMs, targets, filter, clock and logger. */
export interface BeaconOptions extends LinkOptions {
  /** Missed heartbeats before a peer expires. Default MISSED_HEARTBEATS_BEFORE_EXPIRY (3). */
  missedBeforeExpiry?: number;
  /** Who we are. Required to announce; a listener (`natter who`) has none. */
  identity?: Identity;
  /** Our pseudonym (NFKC). Required with identity when announcing. */
  pseudonym?: string;
  /** Send HELLO, heartbeats and BYE, and answer HELLO/QUERY. Default: true when identity is given. */
  announce?: boolean;
  /**
   * Announcing, but silent (an anonymous QUERY, nothing else) until release(): a
   * name not yet accepted by a relay is not claimed on the LAN. Default false.
   */
  held?: boolean;
  /** Initial status. Default 'online'. */
  status?: Status;
  /** Initial status text. Default ''. */
  statusText?: string;
  /** Pins outranking first-seen ones (e.g. contacts). Ignored when `roster` is given. */
  pins?: PinLookup;
  /**
   * A roster to feed, e.g. one the client also merges relay entries into (changes
   * from its relay* methods go to their caller; the beacon emits only its own).
   * Default: a new one built from intervalMs, missedBeforeExpiry and pins.
   */
  roster?: Roster;
  /** Network transport. Default openPresenceSocket (UDP). */
  openTransport?: OpenTransport;
}

export interface BeaconStats extends LinkStats {
  roster: RosterStats;
}

/**
 * The client beacon. Announces us (when it has an identity), answers newcomers
 * at once by unicast, and keeps the roster of LAN peers, expiring the silent.
 * Our own datagrams (they loop back through the broadcast) are ignored, so we
 * are never in our own roster.
 */
export class Beacon extends TypedEmitter<BeaconEvents> {
  readonly roster: Roster;
  private readonly link: PresenceLink;
  private readonly clock: Clock;
  private readonly card: Card | null;
  private readonly signSk: Uint8Array | null;
  private readonly selfId: string | null;
  private readonly relayTracker: RelayTracker;
  private readonly seq = new SeqCounter();
  private readonly ownQueries = new LruMap<string, true>(OWN_QUERY_NONCES);
  private status: Status;
  private statusText: string;
  private expiryTimer: Timer | null = null;
  private held: boolean;

  constructor(options: BeaconOptions = {}) {
    super();
    this.link = new PresenceLink(options, options.openTransport ?? openPresenceSocket, {
      accepted: (d) => this.accepted(d),
      dropped: (reason) => this.emit('datagram:dropped', reason),
      started: () => this.started(),
      tick: () => this.announce('heartbeat'),
      interfaceTargets: directedBroadcasts,
    });
    this.clock = this.link.clock;
    const missed = options.missedBeforeExpiry ?? MISSED_HEARTBEATS_BEFORE_EXPIRY;
    const id = options.identity;
    this.selfId = id ? toHex(id.signPk) : null;
    if (options.announce ?? id !== undefined) {
      if (id === undefined || options.pseudonym === undefined) {
        throw presenceError(
          PresenceCode.BadArgument,
          'beacon: announcing needs identity and pseudonym',
        );
      }
      const problem = pseudonymProblem(options.pseudonym);
      if (problem) throw presenceError(PresenceCode.BadArgument, `beacon: pseudonym ${problem}`);
      // Signed here, for the name this beacon announces (crypto/card.ts).
      this.card = signCard(id, options.pseudonym);
      this.signSk = id.signSk;
    } else {
      this.card = null;
      this.signSk = null;
    }
    this.held = options.held === true;
    this.status = options.status ?? 'online';
    this.statusText = checkStatusText(options.statusText ?? '');
    this.roster =
      options.roster ??
      new Roster({
        intervalMs: this.link.intervalMs,
        missedBeforeExpiry: missed,
        ...(options.pins ? { pins: options.pins } : {}),
      });
    this.relayTracker = new RelayTracker(this.link.intervalMs * missed);
  }

  /** Binds, sends HELLO (when announcing) and a QUERY. Idempotent. */
  start(): Promise<void> {
    return this.link.start();
  }

  /** Ends a hold (BeaconOptions.held): HELLO now if running, then as any announcing beacon. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    if (this.link.running) await this.announce('hello');
  }

  /**
   * Sends BYE (unless `bye: false`, which tests use to simulate a crash) and
   * closes the sockets. Idempotent; a stopped beacon cannot be restarted.
   */
  stop(options: { bye?: boolean } = {}): Promise<void> {
    return this.link.stop(async () => {
      if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
      this.expiryTimer = null;
      if (options.bye !== false && this.announcing)
        await this.link.broadcast(() => this.signed('bye'));
    });
  }

  /** Changes our status and announces it at once. */
  async setStatus(status: Status, statusText = ''): Promise<void> {
    this.statusText = checkStatusText(statusText);
    this.status = status;
    if (this.link.running) await this.announce('heartbeat');
  }

  /** Users heard on the LAN (and merged from the relay, if the roster is shared). */
  list(): RosterItem[] {
    return this.roster.list();
  }

  /** Relays heard recently, each at its best address, most recent first. */
  relays(): RelaySighting[] {
    return this.relayTracker.list(this.clock.now());
  }

  /** Every address heard recently for one relay id (hex), best first (relays.ts). */
  relayCandidates(relayIdHex: string): RelaySighting[] {
    return this.relayTracker.candidates(relayIdHex, this.clock.now());
  }

  stats(): BeaconStats {
    return { ...this.link.stats(), roster: this.roster.stats() };
  }

  private async started(): Promise<void> {
    await this.announce('hello');
    const now = this.clock.now();
    const queryNonce = randomBytes(QUERY_NONCE_BYTES);
    this.ownQueries.set(toHex(queryNonce), true);
    const p = { kind: 'query' as const, seq: this.seq.next(now), timestampMs: now, queryNonce };
    // Announcing peers sign their query; a listener's is anonymous (see filter.ts).
    await this.link.broadcast(() =>
      this.announcing && this.card && this.signSk
        ? signPresence({ ...p, card: this.card }, this.signSk)
        : anonymousQuery({ ...p, card: null }),
    );
  }

  /** We send our card: we have one and are not held. */
  private get announcing(): boolean {
    return this.card !== null && !this.held;
  }

  private async announce(kind: 'heartbeat' | 'hello'): Promise<void> {
    if (this.announcing) await this.link.broadcast(() => this.signed(kind));
  }

  private signed(kind: 'heartbeat' | 'hello' | 'bye'): Uint8Array {
    const now = this.clock.now();
    const { card, signSk, status, statusText } = this;
    if (!card || !signSk) throw presenceError(PresenceCode.Internal, 'beacon: not announcing');
    const seq = this.seq.next(now);
    return signPresence({ kind, card, status, statusText, seq, timestampMs: now }, signSk);
  }

  private accepted(d: Accepted): void {
    const p = d.presence;
    const now = this.clock.now();
    switch (p.kind) {
      case 'heartbeat':
      case 'hello':
      case 'bye':
        if (toHex(p.card.userId) === this.selfId) return;
        this.apply(this.roster.seen(p, d.address, now));
        if (p.kind === 'hello' && this.announcing)
          this.link.reply(d, () => this.signed('heartbeat'));
        return;
      case 'query': {
        const own = p.card
          ? toHex(p.card.userId) === this.selfId
          : this.ownQueries.has(toHex(p.queryNonce));
        if (!own && this.announcing) this.link.reply(d, () => this.signed('heartbeat'));
        return;
      }
      case 'relay': {
        const sighting = this.relayTracker.seen(p, d.address, now);
        if (sighting) this.emit('relay:seen', sighting);
        return;
      }
    }
  }

  private apply(changes: RosterChange[]): void {
    this.armExpiry();
    for (const change of changes) this.emit('roster:change', change);
  }

  protected override listenerFailed(event: string, err: unknown): void {
    this.link.log.warn('presence: event listener threw', { event, ...describeError(err) });
  }

  /** One timer, at the earliest deadline; re-armed after each sweep. */
  private armExpiry(): void {
    if (this.expiryTimer !== null || !this.link.running) return;
    const deadline = this.roster.nextDeadline();
    if (deadline === null) return;
    // +1 ms: a timer may fire a millisecond before the wall clock reaches the deadline.
    const delay = Math.max(0, deadline - this.clock.now()) + 1;
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = null;
      this.apply(this.roster.expire(this.clock.now()));
    }, delay);
  }
}

function checkStatusText(text: string): string {
  if ([...text].length > MAX_STATUS_TEXT_CHARS || !isSafeLine(text)) {
    throw presenceError(
      PresenceCode.BadArgument,
      `beacon: status text must be one line of at most ${MAX_STATUS_TEXT_CHARS} characters`,
    );
  }
  return text;
}
