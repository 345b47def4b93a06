/**
 * NatterClient: the client core's facade. It composes the modules that own the
 * state (contacts, outbox, history, seen-set, relay connection) and wires their
 * events; the logic lives in those modules. A UI uses this API and the typed
 * events (events.ts) and nothing else.
 */
import type { Duplex } from 'node:stream';
import { BoxKeyring } from '../crypto/box.js';
import { loadIdentity } from '../crypto/keyfile.js';
import { fingerprint as fingerprintOf } from '../crypto/keys.js';
import type { BackoffOptions } from '../util/backoff.js';
import { toHex } from '../util/bytes.js';
import { type Clock, systemClock } from '../util/clock.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { normalizePseudonym, pseudonymKey } from '../wire/text.js';
import type { Frame } from '../wire/types.js';
import { composeText } from './compose.js';
import { Contacts } from './contacts.js';
import { DamagedReports } from './damaged.js';
import {
  type ContactInfo,
  type DamagedMessage,
  type OnlinePeer,
  type OutgoingState,
  PeerEvents,
  type PeerStats,
  type PresenceStatus,
  type ReceivedMessage,
} from './events.js';
import { conversationId, History, type HistoryEntry, toReceived } from './history.js';
import { Incoming } from './incoming.js';
import { Lookups } from './lookups.js';
import { Outbox } from './outbox.js';
import { ClientPresence, type DiscoveredRelay, type PresenceOptions } from './presence.js';
import {
  ensureProfileDir,
  type ProfilePaths,
  profilePaths,
  type RelayAddress,
  readConfig,
  resolveRelayAddress,
} from './profile.js';
import { Receipts } from './receipts.js';
import { SeenSet } from './seen.js';
import { OutboxSender } from './sender.js';
import { RelaySession } from './session.js';
import { PeerStore } from './store.js';

/** `waitForInbox`: the mailbox counts as drained after this long without a delivery. */
export const INBOX_IDLE_MS = 500;
const POLL_MS = 20;

export interface OpenOptions {
  profileDir: string;
  /** Unseals a passphrase-protected key file. */
  passphrase?: string;
  /** Default: NATTER_RELAY, then the profile's config.relay. */
  relay?: RelayAddress;
  /**
   * A relay found by the caller's own means, consulted only when no address is
   * configured (`relay`, NATTER_RELAY, config.relay). Without it, and with presence
   * not false, connect() listens for a relay beacon instead (see discoverRelay()).
   */
  discoverRelay?: () => RelayAddress | undefined;
  /**
   * LAN presence (DESIGN.md §5, docs/presence.md). Default false: no UDP at all,
   * so library users and tests opt in; the relay's roster still feeds online().
   * With an object, connect() starts announcing (unless `announce: false`), and
   * finds a relay on the LAN when none is configured.
   */
  presence?: false | PresenceOptions;
  logger?: Logger;
  /** Re-pin a relay whose key differs from the pinned one. Default false. */
  acceptNewRelayKey?: boolean;
  /** Transport factory (tests). Default connectTcp. */
  connect?: (address: RelayAddress) => Promise<Duplex>;
  clock?: Clock;
  /** Reconnect delays. Default: Backoff's (250 ms doubling to 10 s, full jitter). */
  reconnect?: BackoffOptions;
}

export interface Me {
  pseudonym: string;
  userId: string;
  fingerprint: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NatterClient {
  private session: RelaySession | null = null;
  private opening: Promise<RelaySession> | null = null;
  private closing: Promise<void> | null = null;
  private readonly presence: ClientPresence;
  private readonly incoming: Incoming;
  private readonly sender: OutboxSender;
  private readonly receipts: Receipts;
  private readonly lookups: Lookups;
  private readonly damaged: DamagedReports;

  private constructor(
    /** Subscribe here (or with on()); see events.ts for the map. */
    readonly events: PeerEvents,
    readonly me: Me,
    private readonly identity: Awaited<ReturnType<typeof loadIdentity>>,
    private readonly paths: ProfilePaths,
    private readonly store: PeerStore,
    private readonly contactBook: Contacts,
    private readonly history: History,
    private readonly outbox: Outbox,
    private readonly opts: OpenOptions,
    private readonly log: Logger,
  ) {
    const keyring = new BoxKeyring(identity.boxSk);
    const clock = opts.clock ?? systemClock;
    const send = (frame: Frame) => this.session?.send(frame) ?? false;
    this.lookups = new Lookups(send, clock);
    const userId = identity.signPk;
    this.presence = new ClientPresence({
      self: { identity, pseudonym: me.pseudonym },
      contacts: contactBook,
      events: this.events,
      settings: opts.presence ?? false,
      sendToRelay: (frame) => (this.session?.ready ? this.session.send(frame) : false),
      clock,
      logger: log,
    });
    this.sender = new OutboxSender({
      outbox,
      history,
      contacts: contactBook,
      lookups: this.lookups,
      keyring,
      events: this.events,
      me: { userId, pseudonym: me.pseudonym },
      send,
      isReady: () => this.session?.ready ?? false,
      clock,
      logger: log,
    });
    this.receipts = new Receipts({
      store,
      outbox,
      history,
      events: this.events,
      kick: () => this.sender.kick(),
    });
    this.damaged = new DamagedReports(store);
    this.incoming = new Incoming({
      store,
      contacts: contactBook,
      history,
      seen: new SeenSet(store),
      damaged: this.damaged,
      keyring,
      events: this.events,
      me: userId,
      ack: (seqs) => send({ type: 'deliver-ack', seqs }),
      accepted: (name, ids) => this.background(this.receipts.send(name, ids)),
      receipt: (from, ids) => this.receipts.received(from, ids),
      logger: log,
    });
    this.events.on('contact:key-changed', (e) => this.background(this.sender.holdFor(e.pseudonym)));
  }

  /** Opens a profile: identity, local store (E_PROFILE_IN_USE if another process has it). */
  static async open(opts: OpenOptions): Promise<NatterClient> {
    const paths = profilePaths(opts.profileDir);
    await ensureProfileDir(paths.dir);
    const config = await readConfig(paths);
    const identity = await loadIdentity(
      paths.identity,
      opts.passphrase === undefined ? {} : { passphrase: opts.passphrase },
    );
    if (config.pseudonym === undefined) {
      throw new NatterError(
        'E_PROFILE_INCOMPLETE',
        `profile ${paths.dir} has no pseudonym: run natter init`,
      );
    }
    const log = (opts.logger ?? silentLogger).child({ component: 'peer' });
    const store = await PeerStore.open(paths.db, paths.dir);
    try {
      const me: Me = {
        pseudonym: config.pseudonym,
        userId: toHex(identity.signPk),
        fingerprint: fingerprintOf(identity.signPk),
      };
      const events = new PeerEvents();
      return new NatterClient(
        events,
        me,
        identity,
        paths,
        store,
        await Contacts.load(store, events, identity.signPk),
        await History.load(store),
        await Outbox.load(store),
        opts,
        log,
      );
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /**
   * Starts presence (if enabled) and the relay session (registering on first
   * contact with a relay, logging in afterwards), and resolves once it is ready.
   * Keeps reconnecting in the background after a loss. With no relay configured
   * and presence enabled, first waits for a relay beacon: up to `discoverMs`
   * (default: all of `timeoutMs`).
   * Rejects with the refusal (E_PSEUDONYM_TAKEN, E_AUTH_FAILED,
   * E_RELAY_KEY_CHANGED, E_RELAY_ID_MISMATCH, ...), E_NO_RELAY, or, after
   * `timeoutMs`, E_RELAY_TIMEOUT. A presence socket that cannot bind is reported
   * as a non-fatal 'error' event: messaging works without it.
   */
  async connect(options: { timeoutMs?: number; discoverMs?: number } = {}): Promise<void> {
    if (this.closing !== null) throw new NatterError('E_CLOSED', 'connect: the client was closed');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    await this.startPresence();
    this.opening ??= this.openSession(Math.min(timeoutMs, options.discoverMs ?? timeoutMs)).catch(
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    const session = await this.opening;
    await session.waitReady(Math.max(0, deadline - Date.now()));
  }

  /** Who is online (LAN and relay merged), sorted by pseudonym case-insensitively. */
  online(): OnlinePeer[] {
    return this.presence.online();
  }

  /**
   * Sets our status: a heartbeat goes out at once and, when connected, a SetStatus
   * to the relay (sent again after every reconnect). Rejects with E_BAD_STATUS.
   */
  setStatus(status: PresenceStatus, text = ''): Promise<void> {
    return this.presence.setStatus(status, text);
  }

  /**
   * Listens up to `timeoutMs` for a signed relay beacon; undefined if none was
   * heard. Relays answer a QUERY at once, so this is quick when one is there. A
   * relay whose id is already pinned in this profile is preferred. connect()
   * calls this itself when no relay is configured; the relay must then prove the
   * beacon's relay id in its Challenge.
   */
  async discoverRelay(timeoutMs: number): Promise<DiscoveredRelay | undefined> {
    const config = await readConfig(this.paths);
    return this.presence.discoverRelay(timeoutMs, new Set(Object.values(config.pinnedRelays)));
  }

  on: PeerEvents['on'] = (name, listener) => this.events.on(name, listener);

  /**
   * Queues a text message durably and returns its id (hex); it goes out when
   * connected. Throws E_BAD_PSEUDONYM, E_SELF, E_EMPTY_MESSAGE, E_TOO_LARGE.
   */
  async send(to: string, text: string): Promise<string> {
    const deps = {
      outbox: this.outbox,
      history: this.history,
      contacts: this.contactBook,
      myName: this.me.pseudonym,
    };
    const message = composeText(deps, to, text, Date.now());
    await this.store.write(message.ops);
    if (message.held) await this.sender.holdFor(message.to);
    this.sender.kick();
    return message.msgId;
  }

  /**
   * Waits until nothing is queued for the relay; false if `timeoutMs` passed first,
   * or `signal` was aborted (a caller that stopped waiting for another reason).
   */
  async flush(timeoutMs: number, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.count('queued') > 0) {
      if (Date.now() >= deadline || options.signal?.aborted) return false;
      await sleep(POLL_MS);
    }
    return true;
  }

  /** State of an outgoing message from history, if known. */
  async status(msgId: string): Promise<{ state: OutgoingState; reason?: string } | undefined> {
    // The outbox is updated first, so it is the fresher source while an entry is in it.
    const queued = this.outbox.get(msgId);
    if (queued !== undefined) {
      return {
        state: queued.state,
        ...(queued.reason === undefined ? {} : { reason: queued.reason }),
      };
    }
    const entry = await this.history.byMsgId(msgId);
    if (entry?.state === undefined) return undefined;
    return { state: entry.state, ...(entry.reason === undefined ? {} : { reason: entry.reason }) };
  }

  /**
   * After connect(): resolves once the mail waiting at login (Ready.pending) has
   * been handled, or when no delivery has arrived for `idleMs`.
   */
  async waitForInbox(options: { idleMs?: number; timeoutMs?: number } = {}): Promise<void> {
    await this.incoming.drained(options.idleMs ?? INBOX_IDLE_MS, options.timeoutMs ?? 60_000);
  }

  /** Received messages not yet taken, oldest first; each is returned exactly once. */
  async takeUnread(): Promise<ReceivedMessage[]> {
    return (await this.history.takeUnread()).map(toReceived);
  }

  /**
   * Reports of deliveries dropped as damaged or forged ('message:damaged') that no
   * UI has taken yet, oldest first; each is returned exactly once. A UI shows them
   * and takes them, like takeUnread(), so the next one does not repeat them.
   */
  takeDamaged(): Promise<DamagedMessage[]> {
    return this.damaged.take();
  }

  /** Counters since open(): damaged and duplicate deliveries, refusals for now. */
  stats(): PeerStats {
    return { ...this.incoming.stats(), refusedSends: this.sender.refusals() };
  }

  conversation(name: string, limit?: number): Promise<HistoryEntry[]> {
    return this.history.list(conversationId(normalizePseudonym(name)), limit);
  }

  contacts(): ContactInfo[] {
    return this.contactBook.list();
  }

  contact(name: string): ContactInfo | undefined {
    const key = pseudonymKey(normalizePseudonym(name));
    return this.contactBook.list().find((c) => pseudonymKey(c.pseudonym) === key);
  }

  /** Own fingerprint, or the safety number with a contact (E_UNKNOWN_CONTACT). */
  fingerprint(name?: string): string {
    return name === undefined
      ? this.me.fingerprint
      : this.contactBook.safetyNumber(normalizePseudonym(name));
  }

  /**
   * Accepts a contact's changed key (or marks an unchanged one verified) after the
   * user compared safety numbers. Held incoming messages are released, held
   * outgoing ones are sealed to the new key and sent.
   */
  async trust(
    name: string,
  ): Promise<{ contact: ContactInfo; accepted: boolean; releasedIn: number; releasedOut: number }> {
    const { contact, info, accepted } = await this.contactBook.trust(normalizePseudonym(name));
    const releasedIn = accepted
      ? await this.incoming.releaseHeld(contact.pseudonym, contact.card)
      : 0;
    const releasedOut = await this.sender.releaseFor(contact.pseudonym);
    return { contact: info, accepted, releasedIn, releasedOut };
  }

  /** Clean logout: BYE on the LAN, Goodbye to the relay, then close. */
  async logout(): Promise<void> {
    await this.stopPresence();
    await this.incoming.idle();
    await this.session?.logout();
    await this.close();
  }

  /** Stops everything (sending BYE) and closes the store. Safe to call repeatedly. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stopPresence();
      this.sender.stop();
      this.session?.close();
      this.lookups.failAll();
      await this.incoming.idle();
      await this.store.close();
    })();
    return this.closing;
  }

  /**
   * Work started from an event handler: a failure (typically the store closing
   * under it at shutdown) is logged and reported, never left as an unhandled
   * rejection that would take the host process down.
   */
  private background(work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      const { code, message } = describeError(err);
      this.log.warn('background task failed', { code });
      if (this.closing === null) this.events.emit('error', { code, message, fatal: false });
    });
  }

  private async startPresence(): Promise<void> {
    try {
      await this.presence.start();
    } catch (err) {
      const { code, message } = describeError(err);
      this.log.warn('presence could not start', { code });
      this.events.emit('error', { code, message, fatal: false });
    }
  }

  private async stopPresence(): Promise<void> {
    await this.presence.stop().catch((err: unknown) => {
      this.log.warn('presence did not stop cleanly', describeError(err));
    });
  }

  /** The configured relay (option, NATTER_RELAY, config), else one found on the LAN. */
  private async openSession(discoverMs: number): Promise<RelaySession> {
    if (this.session !== null) return this.session;
    let address = this.opts.relay;
    let expectRelayId: string | undefined;
    if (address === undefined) {
      try {
        address = resolveRelayAddress({
          config: await readConfig(this.paths),
          ...(this.opts.discoverRelay ? { discovered: this.opts.discoverRelay } : {}),
        });
      } catch (err) {
        if (!isNatterError(err, 'E_NO_RELAY') || !this.presence.canDiscover) throw err;
        const found = await this.discoverRelay(discoverMs);
        if (found === undefined) {
          throw new NatterError(
            'E_NO_RELAY',
            `no relay configured, and none announced itself on the LAN within ${discoverMs} ms: start one with natter relay, or pass --relay HOST:PORT`,
          );
        }
        this.log.info('relay discovered', { relayId: found.relayId });
        address = { host: found.host, port: found.port };
        expectRelayId = found.relayId;
      }
    }
    if (this.closing !== null) throw new NatterError('E_CLOSED', 'connect: the client was closed');
    this.session = this.sessionFor(address, expectRelayId);
    return this.session;
  }

  private sessionFor(address: RelayAddress, expectRelayId?: string): RelaySession {
    return new RelaySession({
      address,
      ...(expectRelayId === undefined ? {} : { expectRelayId }),
      paths: this.paths,
      store: this.store,
      identity: this.identity,
      pseudonym: this.me.pseudonym,
      events: this.events,
      ...pick(this.opts, ['connect', 'acceptNewRelayKey', 'reconnect', 'clock']),
      logger: this.log,
      onReady: (info) => {
        this.incoming.newSession(info.pending);
        this.sender.onReady();
        this.presence.onRelayReady();
      },
      onOffline: () => {
        this.sender.onOffline();
        this.lookups.failAll();
        this.presence.onRelayOffline();
      },
      handlers: {
        deliver: (f) => this.incoming.push(f),
        'send-ack': (f) => this.background(this.sender.onSendAck(f)),
        'lookup-result': (f) => this.lookups.onResult(f),
        'roster-update': (f) => {
          this.presence.onRelayRoster(f);
          this.background(this.contactBook.observeKnown(f.entries.map((e) => e.card)));
        },
      },
    });
  }
}

/** The options that are set, so `exactOptionalPropertyTypes` holds when passing them on. */
function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
