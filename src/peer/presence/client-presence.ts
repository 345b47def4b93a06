/**
 * The client's presence (DESIGN.md §5, issue 3), composed into NatterClient.
 *
 * One roster, two feeds: the LAN beacon (signed UDP heartbeats, which the beacon
 * verifies before they reach the roster) and the relay's RosterUpdate frames (whose
 * cards and signed statuses relay-feed.ts checks). Our own status goes to the relay
 * signed the same way, with a seq from our clock. Pseudonyms of contacts are pinned
 * to their contact keys, and our own to ours, so a heartbeat claiming a known name
 * with another key is a conflict, never that user. Roster changes become the core's
 * 'roster:change' and 'roster:conflict' events; relay beacons 'relay:discovered'.
 *
 * Without an identity (`self`) this is a listener (`natter who`): it hears and
 * queries but never announces.
 */
import type { Identity } from '../../crypto/keys.js';
import { signStatus } from '../../crypto/status.js';
import { Beacon, type BeaconOptions } from '../../presence/beacon.js';
import { HEARTBEAT_INTERVAL_MS, MAX_TRACKED_RELAYS } from '../../presence/constants.js';
import type { RelaySighting } from '../../presence/relays.js';
import { Roster, type RosterChange } from '../../presence/roster.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { LruMap } from '../../util/lru.js';
import { pseudonymKey } from '../../wire/text.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { OnlinePeer, PeerEventMap, PeerEvents, PresenceStatus } from '../events.js';
import { pick } from '../pick.js';
import { formatRelayAddress, type RelayAddress } from '../relay-address.js';
import { type DiscoveryResult, type RelayQuery, waitForRelay } from './discovery.js';
import { NamePins } from './name-pins.js';
import { type ContactLookup, conflictEvent, presenceEvent, toOnlinePeer } from './online.js';
import { beaconSettings, checkStatus, checkStatusText, type PresenceOptions } from './options.js';
import { RelayRosterFeed } from './relay-feed.js';
import type { RelayStatusStats } from './relay-statuses.js';
import { RelayWatch } from './relay-watch.js';

export type { DiscoveredRelay, DiscoveryResult, RelayQuery } from './discovery.js';
export type { PresenceOptions } from './options.js';

export interface ClientPresenceOptions {
  /**
   * Who we are; a listener has none. `claimed` false (default true): no relay took this
   * name yet (first run, rename), so the LAN hears it only once a session is ready.
   */
  self?: { identity: Identity; pseudonym: string; claimed?: boolean };
  contacts: ContactLookup;
  events: PeerEvents;
  /** false: no UDP at all (the relay's roster still feeds online()). */
  settings: PresenceOptions | false;
  /** The relay link: SetStatus goes there while a session is ready. */
  relay?: {
    readonly ready: boolean;
    send(frame: Frame): boolean;
    /** Told of every verified beacon of a relay at its best address: a lost link goes there now. */
    relayHeard?(relayIdHex: string, address: RelayAddress): void;
  };
  clock?: Clock;
  logger?: Logger;
}

export class ClientPresence {
  private readonly roster: Roster;
  private readonly beacon: Beacon | null;
  private readonly network: BeaconOptions;
  private readonly selfId: string | null;
  /** Our name and our contacts', pinned to their keys, exactly and by look-alike. */
  private readonly names: NamePins;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Relays already reported by 'relay:discovered', with the (best) address reported. */
  private readonly reportedRelays = new LruMap<string, string>(MAX_TRACKED_RELAYS);
  /** The relay's roster, checked, into ours. */
  private readonly relayFeed: RelayRosterFeed;
  /** The seq of the last status we signed; the next is above it and our clock. */
  private statusSeq = 0;
  private status: PresenceStatus;
  private statusText: string;
  private starting: Promise<void> | null = null;
  private beaconUp = false;
  private stopped = false;
  /** A beacon that listens and asks (QUERY) but never announces us. */
  private readonly listenOnly: boolean;
  /** The UDP port of presence and relay beacons; undefined: the default (47475). */
  readonly port: number | undefined;
  /** Relay beacons heard while no beacon of ours runs: discovery, a lost link (relay-watch.ts). */
  readonly watch: RelayWatch;

  constructor(private readonly o: ClientPresenceOptions) {
    const s: PresenceOptions = o.settings === false ? {} : o.settings;
    this.port = s.port;
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? silentLogger;
    this.status = checkStatus(s.status ?? 'online');
    this.statusText = checkStatusText(s.statusText ?? '');
    this.selfId = o.self ? toHex(o.self.identity.signPk) : null;
    const self = o.self ? { id: toHex(o.self.identity.signPk), pseudonym: o.self.pseudonym } : null;
    this.names = new NamePins(o.contacts, o.events, self);
    this.roster = new Roster({
      ...pick(s, ['intervalMs', 'missedBeforeExpiry']),
      pins: (name) => this.names.exact(name),
      lookalikes: (key) => this.names.lookalike(key),
    });
    this.relayFeed = new RelayRosterFeed({
      selfId: this.selfId,
      roster: this.roster,
      clock: this.clock,
      logger: this.log,
      apply: (changes) => this.apply(changes),
    });
    this.network = { ...beaconSettings(s), clock: this.clock, logger: this.log };
    this.listenOnly = o.self === undefined || (s.announce === false && s.listen === true);
    const active = o.settings !== false && (this.listenOnly || s.announce !== false);
    this.beacon = active ? this.makeBeacon() : null;
    this.watch = new RelayWatch({
      network: this.network,
      seen: (listener, sighting) => this.relaySeen(listener, sighting),
      whileLost: this.beacon === null && o.settings !== false,
    });
    o.events.on('contact:trusted', (c) => this.recheckConflicts(c.pseudonym));
    // A beacon listed under a look-alike of a name pinned since is an impostor from now on.
    o.events.on('contact:new', () => this.apply(this.roster.recheckNames(this.clock.now())));
  }

  /** True when connect() may look for a relay on the LAN (presence is not switched off). */
  get canDiscover(): boolean {
    return this.o.settings !== false;
  }

  /** The beacon interval: a relay on the LAN is heard again within it. */
  get beaconIntervalMs(): number {
    return this.network.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  }

  /**
   * Binds and announces (HELLO + QUERY), or for a listener sends a QUERY.
   * Idempotent; a no-op when not announcing. Rejects with E_PRESENCE_BIND.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      if (this.beacon === null || this.stopped) return;
      await this.beacon.start();
      this.beaconUp = true;
    })();
    return this.starting;
  }

  /** Sends BYE (unless `bye: false`) and closes the sockets. Idempotent. */
  async stop(options: { bye?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.beaconUp = false;
    await this.watch.stop();
    await this.beacon?.stop(options);
  }

  /** Everyone listed, sorted by pseudonym (case-insensitively). */
  online(): OnlinePeer[] {
    const contacts = this.o.contacts;
    return this.roster.list().map((item) => toOnlinePeer(item, contacts.get(item.pseudonym)));
  }

  /**
   * The impostors whose claims still last, as 'roster:conflict' said them: what `who`
   * through a running client says beside online(), as a `who` of its own would have heard.
   */
  impostors(): PeerEventMap['roster:conflict'][] {
    return this.roster.impostors(this.clock.now()).map(conflictEvent);
  }

  /** Our status as announced now. */
  own(): { status: PresenceStatus; text: string } {
    return { status: this.status, text: this.statusText };
  }

  /** Our status now: announced at once on the LAN and sent to the relay if connected. */
  async setStatus(status: PresenceStatus, text = ''): Promise<void> {
    this.status = checkStatus(status);
    this.statusText = checkStatusText(text);
    this.o.events.emit('presence:self', { status: this.status, statusText: this.statusText });
    await this.beacon?.setStatus(this.status, this.statusText);
    this.statusToRelay();
  }

  /**
   * A relay session became ready: the relay lists us as 'online' with nothing signed,
   * which others show as 'online', so sign and send any other status. The default is
   * not sent: a short-lived session (`natter send` beside a running chat) would
   * otherwise outdate, with a newer seq, the status the chat signed.
   */
  onRelayReady(): void {
    this.beacon?.release().catch((err: unknown) => this.log.warn('presence', describeError(err)));
    if (this.status === 'online' && this.statusText === '') return;
    this.statusToRelay();
  }

  /** Relayed statuses dropped as forged or stale (part of PeerStats). */
  stats(): RelayStatusStats {
    return this.relayFeed.stats();
  }

  /** A RosterUpdate from the relay (relay-feed.ts). */
  onRelayRoster(frame: FrameOf<'roster-update'>): void {
    this.relayFeed.onRoster(frame);
  }

  /** The relay link is gone: its entries go (they may be stale), LAN entries stay. */
  onRelayOffline(): void {
    this.relayFeed.onOffline();
  }

  /**
   * Waits up to `timeoutMs` for a relay beacon the query allows (discovery.ts)
   * and returns the addresses announcing it, best first. Relays answer our QUERY
   * at once, so this takes milliseconds when one is there. Uses the running
   * beacon, or a short-lived listener (which sends its own QUERY: relay-watch.ts).
   */
  async discoverRelay(timeoutMs: number, query: RelayQuery = {}): Promise<DiscoveryResult> {
    if (this.beacon !== null) await this.start().catch(() => undefined);
    const beacon = this.beaconUp ? this.beacon : null;
    if (beacon !== null) return waitForRelay(beacon, this.clock, timeoutMs, query);
    return this.watch.discover(timeoutMs, query);
  }

  /** Our status, signed (crypto/status.ts), to the relay if a session is ready. */
  private statusToRelay(): void {
    const self = this.o.self;
    if (self === undefined || !this.o.relay?.ready) return;
    // Our clock's milliseconds, so a restarted client's statuses still grow; never
    // below the last we signed, so they grow in one run whatever the clock does.
    const seq = Math.max(this.clock.now(), this.statusSeq + 1);
    this.statusSeq = seq;
    const claim = { status: this.status, statusText: this.statusText, seq };
    const sig = signStatus(self.identity, claim);
    this.o.relay.send({ type: 'set-status', ...claim, sig } satisfies Frame);
  }

  private makeBeacon(): Beacon {
    const self = this.o.self;
    const beacon = new Beacon({
      ...this.network,
      roster: this.roster,
      ...(self === undefined || this.listenOnly
        ? { announce: false }
        : {
            identity: self.identity,
            pseudonym: self.pseudonym,
            held: self.claimed === false,
            status: this.status,
            statusText: this.statusText,
          }),
    });
    beacon.on('roster:change', (c) => this.apply([c]));
    beacon.on('relay:seen', (s) => this.relaySeen(beacon, s));
    return beacon;
  }

  /** Reported at the relay's best address, so a replay from elsewhere does not move it. */
  private relaySeen(beacon: Beacon, s: RelaySighting): void {
    const best = beacon.relayCandidates(s.relayIdHex)[0] ?? s;
    this.o.relay?.relayHeard?.(s.relayIdHex, { host: best.address, port: best.port });
    const address = formatRelayAddress({ host: best.address, port: best.port });
    if (this.reportedRelays.get(s.relayIdHex) === address) return;
    this.reportedRelays.set(s.relayIdHex, address);
    this.o.events.emit('relay:discovered', { address, relayId: s.relayIdHex, name: s.name });
  }

  /**
   * After trust() re-pinned a contact, a relay-reported claim that was a conflict
   * may now be that contact: the relay only sends changes, so apply it again
   * (a LAN claim comes back with the next heartbeat by itself).
   */
  private recheckConflicts(pseudonym: string): void {
    const name = pseudonymKey(pseudonym);
    const now = this.clock.now();
    for (const c of this.roster.conflicts()) {
      if (pseudonymKey(c.pseudonym) !== name || !c.sources.has('relay')) continue;
      this.apply(
        this.roster.relaySeen({ card: c.card, status: c.status, statusText: c.statusText }, now),
      );
    }
  }

  private apply(changes: RosterChange[]): void {
    // Stopped (logging out, closing): what changes now is our own going (the relay's entries
    // lost with our link), not the peers'; a watch through the control socket printed it.
    if (this.stopped) return;
    for (const change of changes) {
      try {
        const e = presenceEvent(change, this.o.contacts);
        if (e.name === 'roster:change') this.o.events.emit(e.name, e.event);
        else this.o.events.emit(e.name, e.event);
      } catch (err) {
        this.log.warn('presence: could not report a roster change', describeError(err));
      }
    }
  }
}
