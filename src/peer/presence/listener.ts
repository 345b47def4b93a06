/**
 * A presence listener, as `natter who` uses: it hears the LAN and asks who is
 * there (an anonymous QUERY), but never announces, so running it does not make
 * anyone appear online. It needs no identity or profile; with no contact book,
 * a pseudonym is pinned to the first key heard for it during this run.
 */
import type { Logger } from '../../util/logger.js';
import { type OnlinePeer, PeerEvents } from '../events.js';
import { ClientPresence, type PresenceOptions } from './client-presence.js';

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

  private constructor(options: ListenerOptions, logger: Logger | undefined) {
    this.presence = new ClientPresence({
      contacts: { get: () => undefined },
      events: this.events,
      settings: options,
      ...(logger === undefined ? {} : { logger }),
    });
  }

  /** Binds the presence port and sends a QUERY. Rejects with E_PRESENCE_BIND. */
  static async start(options: ListenerOptions = {}, logger?: Logger): Promise<PresenceListener> {
    const listener = new PresenceListener(options, logger);
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
