/**
 * The presence half of the client's API (DESIGN.md §5, docs/presence.md): who is online,
 * the impostors left out of that list, and our own status. NatterClient (client.ts)
 * extends it, so the UI and the CLI see one facade. Events: 'roster:change',
 * 'roster:conflict', 'presence:self' (events.ts).
 */
import { ClientFiles } from './client-files.js';
import type { ClientComponents } from './components.js';
import type { OnlinePeer, PeerEventMap, PresenceStatus } from './events.js';
import { chosenStatusOp } from './presence/chosen-status.js';

export class ClientOnline extends ClientFiles {
  protected constructor(c: ClientComponents) {
    super(c);
  }

  /** Who is online (LAN and relay merged), sorted by pseudonym case-insensitively. */
  online(): OnlinePeer[] {
    return this.c.presence.online();
  }

  /**
   * Who claims a pinned name (a contact's, ours, or one that looks like it) with another
   * key now, as 'roster:conflict' said each: never in online(). A `who` asked later (through
   * the control socket) says them as a `who` of its own, hearing them, would.
   */
  impostors(): PeerEventMap['roster:conflict'][] {
    return this.c.presence.impostors();
  }

  /** Our status as announced now (a `--status`, the one kept from last time, or online). */
  ownStatus(): { status: PresenceStatus; text: string } {
    return this.c.presence.own();
  }

  /**
   * Sets our status: a heartbeat goes out at once and, when connected, a SetStatus
   * to the relay (sent again after every reconnect). Rejects with E_BAD_STATUS. Kept in
   * the profile for the next client that announces, unless `chosen: false` (an
   * automatic away: presence/chosen-status.ts).
   */
  async setStatus(status: PresenceStatus, text = '', options: { chosen?: boolean } = {}) {
    await this.c.presence.setStatus(status, text);
    if (options.chosen !== false) await this.c.store.write([chosenStatusOp({ status, text })]);
  }
}
