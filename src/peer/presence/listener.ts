/**
 * A presence listener, as `natter who` uses: it hears the LAN and asks who is
 * there (an anonymous QUERY), but never announces, so running it does not make
 * anyone appear online. It needs no identity or profile. The names it is given
 * (known-names.ts: the profile's own and its contacts') are pinned to their keys, and
 * names that look like them too: another key under one is a conflict, never that user,
 * as in the chat. Any other pseudonym is pinned to the first key heard for it.
 */
import type { Logger } from '../../util/logger.js';
import { type OnlinePeer, PeerEvents } from '../events.js';
import { ClientPresence, type PresenceOptions } from './client-presence.js';
import type { KnownName } from './known-names.js';

export type ListenerOptions = Pick<
  PresenceOptions,
  | 'port'
  | 'extraTargets'
  | 'broadcastInterfaces'
  | 'intervalMs'
  | 'missedBeforeExpiry'
  | 'openTransport'
>;

export class PresenceListener {
  /** 'roster:change', 'roster:conflict' and 'relay:discovered' are emitted here. */
  readonly events = new PeerEvents();
  private readonly presence: ClientPresence;

  private constructor(
    options: ListenerOptions,
    logger: Logger | undefined,
    known: readonly KnownName[],
  ) {
    this.presence = new ClientPresence({
      contacts: { get: () => undefined, list: () => known },
      events: this.events,
      settings: options,
      ...(logger === undefined ? {} : { logger }),
    });
  }

  /**
   * Binds the presence port and sends a QUERY. Rejects with E_PRESENCE_BIND. `known`:
   * names pinned to keys (default none).
   */
  static async start(
    options: ListenerOptions = {},
    logger?: Logger,
    known: readonly KnownName[] = [],
  ): Promise<PresenceListener> {
    const listener = new PresenceListener(options, logger, known);
    try {
      await listener.presence.start();
    } catch (err) {
      await listener.close();
      throw err;
    }
    return listener;
  }

  on: PeerEvents['on'] = (name, listener) => this.events.on(name, listener);

  /** Everyone heard and not yet gone, sorted by pseudonym (case-insensitively). */
  online(): OnlinePeer[] {
    return this.presence.online();
  }

  /** Closes the sockets. Safe to repeat. */
  close(): Promise<void> {
    return this.presence.stop();
  }
}
