/**
 * NatterClient: the client core's facade, its API and typed events (events.ts)
 * and nothing else. The parts that own the state (contacts, outbox, history,
 * relay link, presence) come as one components object (components.ts); each
 * method here is a call into the part that owns what it asks about. A UI uses
 * this API and the events, and nothing else. The reading half (client-reading.ts),
 * the group half (client-groups.ts), the file half (client-files.ts), the presence
 * half (client-online.ts) and blocking (client-blocks.ts) are its base classes.
 */
import { describeError } from '../util/errors.js';
import { normalizePseudonym, pseudonymKey } from '../wire/text.js';
import { ClientBlocks } from './client-blocks.js';
import type { ConnectOptions, OpenOptions, TrustResult } from './client-options.js';
import { finishDeletions } from './client-reading.js';
import { type ClientComponents, openComponents } from './components.js';
import { directConversation } from './conversations/ids.js';
import { PeerCode, peerError } from './errors.js';
import type { ContactInfo, OutgoingState, PeerEvents } from './events.js';
import { registeredAnywhere } from './link/pinning.js';
import { composeText } from './messaging/compose.js';
import { pick } from './pick.js';
import { takeUpChosenStatus } from './presence/chosen-status.js';
import type { DiscoveredRelay } from './presence/client-presence.js';
import type { Me } from './profile.js';

export type { BlockedUser, BlockResult } from './client-blocks.js';
export type { OpenOptions, TrustResult } from './client-options.js';
export type { UnreadMessage } from './client-reading.js';
export type { QueuedMessage } from './messaging/queued.js';
export type { Me } from './profile.js';

/** `waitForInbox`: the mailbox counts as drained after this long without a delivery. */
export const INBOX_IDLE_MS = 500;

/**
 * `waitForInbox`: groups count as caught up after this long after Ready without a group
 * item (the relay pushes every group's backlog at once after Ready; on a LAN the first
 * item comes within milliseconds, and a backlog streams without pauses this long).
 */
export const GROUP_QUIET_MS = 200;

export class NatterClient extends ClientBlocks {
  /** Subscribe here (or with on()); see events.ts for the map. */
  readonly events: PeerEvents;
  readonly me: Me;
  private closing: Promise<void> | null = null;

  private constructor(c: ClientComponents) {
    super(c);
    this.events = c.events;
    this.me = c.me;
  }

  /** Opens a profile: identity, local store (E_PROFILE_IN_USE if another process has it). */
  static async open(opts: OpenOptions): Promise<NatterClient> {
    const c = await openComponents(opts);
    const ready = [
      takeUpChosenStatus(c, opts.presence),
      finishDeletions(c).then(() => c.moves.finish(c.contacts.list())),
    ];
    await Promise.all(ready).catch((err) => c.store.close().then(() => Promise.reject(err)));
    return new NatterClient(c).keepHistory();
  }

  /**
   * Starts presence (if enabled) and the relay session (registering on first
   * contact with a relay, logging in afterwards), and resolves once it is ready.
   * Keeps reconnecting in the background after a loss. See ConnectOptions.
   * Rejects with the refusal (E_PSEUDONYM_TAKEN, E_AUTH_FAILED, E_RELAY_KEY_CHANGED,
   * E_RELAY_ID_MISMATCH, ...), E_NO_RELAY, E_SEVERAL_RELAYS, E_RELAY_UNREACHABLE
   * (failFastMs) or, after `timeoutMs`, E_RELAY_TIMEOUT. A presence socket that
   * cannot bind is a non-fatal 'error' event: messaging works without it.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    if (this.closing !== null) throw peerError(PeerCode.Closed, 'connect: the client was closed');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = this.c.clock.now() + timeoutMs;
    await this.startPresence();
    const discoverMs = Math.min(timeoutMs, options.discoverMs ?? timeoutMs);
    await this.c.link.connect(deadline, discoverMs, {
      ...pick(options, ['failFastMs', 'listenWholeWait']),
      waitMs: timeoutMs,
    });
  }

  /**
   * connect() again after the connection gave up for good ('error' with `fatal`:
   * E_RELAY_KEY_CHANGED, ...), with the same checks: a relay with another key is
   * refused again, the one this profile registered with is taken back. While the
   * connection lives, the same as connect().
   */
  reconnect(options: { timeoutMs?: number } = {}): Promise<void> {
    this.c.link.restart();
    return this.connect(options);
  }

  /**
   * Listens up to `timeoutMs` for a signed relay beacon; undefined if none was
   * heard. Relays answer a QUERY at once, so this is quick when one is there. A
   * relay whose id is already pinned in this profile is preferred. connect()
   * calls this itself when no relay is configured; the relay must then prove the
   * beacon's relay id in its Challenge.
   */
  discoverRelay(timeoutMs: number): Promise<DiscoveredRelay | undefined> {
    return this.c.link.discover(timeoutMs);
  }

  /**
   * Whether a relay ever accepted a Register from this profile: false for a profile made
   * with no relay (`natter rename` then frees no old name: no relay held it).
   */
  registeredAnywhere(): Promise<boolean> {
    return registeredAnywhere(this.c.store);
  }

  on: PeerEvents['on'] = (name, listener) => this.c.events.on(name, listener);

  /**
   * Queues a text message to `to` (a pseudonym) durably and returns its id (hex);
   * it goes out when connected. Throws E_BAD_PSEUDONYM, E_SELF, E_EMPTY_MESSAGE,
   * E_TOO_LARGE.
   */
  async send(to: string, text: string): Promise<string> {
    const c = this.c;
    const deps = {
      outbox: c.outbox,
      history: c.history,
      contacts: c.contacts,
      myName: c.me.pseudonym,
    };
    const message = composeText(deps, to, text, c.clock.now());
    await c.store.write(message.ops);
    if (message.held) await c.sender.holdFor(message.conversation);
    c.sender.kick();
    const { conversation, msgId } = message;
    c.events.emit('message:queued', { conversation, msgId, to });
    return msgId;
  }

  /**
   * Waits until nothing is queued for the relay; false if `timeoutMs` passed first,
   * or `signal` was aborted (a caller that stopped waiting for another reason).
   */
  flush(timeoutMs: number, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const { clock, outbox } = this.c;
    if (outbox.count('queued') === 0) return Promise.resolve(true);
    if (options.signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (flushed: boolean) => {
        clock.clearTimeout(timer);
        cancel();
        options.signal?.removeEventListener('abort', gaveUp);
        resolve(flushed);
      };
      const gaveUp = () => done(false);
      const timer = clock.setTimeout(gaveUp, Math.max(0, timeoutMs));
      const cancel = outbox.onNoneQueued(() => done(true));
      options.signal?.addEventListener('abort', gaveUp, { once: true });
    });
  }

  /** State of an outgoing message from history, if known. */
  async status(msgId: string): Promise<{ state: OutgoingState; reason?: string } | undefined> {
    // The outbox is updated first, so it is the fresher source while an entry is in it.
    const queued = this.c.outbox.get(msgId) ?? (await this.c.history.outgoing(msgId));
    if (queued?.state === undefined) return undefined;
    return {
      state: queued.state,
      ...(queued.reason === undefined ? {} : { reason: queued.reason }),
    };
  }

  /**
   * After connect(): resolves once the mail waiting at login (Ready.pending) has
   * been handled, or when no delivery has arrived for `idleMs`, and no group item
   * for GROUP_QUIET_MS.
   */
  async waitForInbox(options: { idleMs?: number; timeoutMs?: number } = {}): Promise<void> {
    await this.c.incoming.drained(options.idleMs ?? INBOX_IDLE_MS, options.timeoutMs ?? 60_000);
    await this.c.groups.caughtUp(GROUP_QUIET_MS, options.timeoutMs ?? 60_000);
  }

  /** Every contact, `blocked` set from the block list. */
  contacts(): ContactInfo[] {
    return this.c.contacts.list().map((c) => ({ ...c, blocked: this.c.blocks.has(c.userId) }));
  }

  contact(name: string): ContactInfo | undefined {
    const key = pseudonymKey(normalizePseudonym(name));
    return this.contacts().find((c) => pseudonymKey(c.pseudonym) === key);
  }

  /**
   * Own fingerprint, or the safety number with a contact (E_UNKNOWN_CONTACT): of the
   * newest pending key while the key changed (contact().pendingKeys lists every one).
   */
  fingerprint(name?: string): string {
    if (name === undefined) return this.me.fingerprint;
    this.notMe(name, 'fingerprint');
    return this.c.contacts.safetyNumber(normalizePseudonym(name));
  }

  /** E_SELF for my own name where a contact's is meant (it read "not a contact"). */
  private notMe(name: string, what: string): void {
    if (pseudonymKey(normalizePseudonym(name)) !== pseudonymKey(this.me.pseudonym)) return;
    throw peerError(
      PeerCode.Self,
      `${what}: '${name}' is you; your own fingerprint is what others compare (natter fingerprint)`,
    );
  }

  /**
   * The user compared `safetyNumber` with the contact (60 digits, spaces allowed):
   * accepts the changed key it belongs to (or marks an unchanged key verified). Held
   * incoming messages from exactly that key are released and those from the
   * discarded keys dropped (a key that arrived meanwhile keeps its own, still held);
   * held outgoing ones are sealed to it and sent. Other pending keys are forgotten
   * and returned as `discarded`. Rejects with E_SAFETY_NUMBER_MISMATCH when it is
   * not the number of a pending key (or, with none pending, of the pinned one):
   * a card that came while the user compared cannot be accepted by that comparison.
   * Also E_BAD_SAFETY_NUMBER, E_UNKNOWN_CONTACT.
   */
  async trust(name: string, compared: { safetyNumber: string }): Promise<TrustResult> {
    this.notMe(name, 'trust');
    const { contact, info, accepted, discarded } = await this.c.contacts.trust(
      normalizePseudonym(name),
      compared.safetyNumber,
    );
    const conversation = directConversation(contact.pseudonym);
    const releasedIn = accepted
      ? await this.c.incoming.releaseHeld(conversation, contact.card, discarded)
      : 0;
    const releasedOut = await this.c.sender.releaseFor(conversation);
    const releasedInGroups = await this.c.groups.trusted(contact.pseudonym);
    return {
      contact: info,
      accepted,
      discarded,
      releasedIn: releasedIn + releasedInGroups,
      releasedOut,
    };
  }

  /** Clean logout: BYE on the LAN, Goodbye to the relay, then close. */
  async logout(): Promise<void> {
    await this.stopPresence();
    await this.c.incoming.idle();
    await this.c.tasks.finished();
    await this.c.link.logout();
    await this.close();
  }

  /** Stops everything (sending BYE) and closes the store. Safe to call repeatedly. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.c.tasks.close();
      await this.stopPresence();
      this.c.sender.stop();
      await this.c.files.close();
      this.c.link.close();
      await this.c.incoming.idle();
      await this.c.groups.idle();
      await this.stopKeepingHistory();
      await this.c.moves.idle();
      await this.c.store.close();
    })();
    return this.closing;
  }

  private async startPresence(): Promise<void> {
    try {
      await this.c.presence.start();
    } catch (err) {
      const { code, message } = describeError(err);
      this.c.log.warn('presence could not start', { code });
      this.c.events.emit('error', { code, message, fatal: false });
    }
  }

  private async stopPresence(): Promise<void> {
    await this.c.presence.stop().catch((err: unknown) => {
      this.c.log.warn('presence did not stop cleanly', describeError(err));
    });
  }
}
