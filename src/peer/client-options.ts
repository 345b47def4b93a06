/** The client's options and results (client.ts). */
import type { BackoffOptions } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ContactInfo, PendingKey } from './events.js';
import type { RelayChannel } from './link/channel.js';
import type { PresenceOptions } from './presence/client-presence.js';
import type { RelayAddress } from './relay-address.js';

/** What trust() did. */
export interface TrustResult {
  contact: ContactInfo;
  /** True when a changed key was accepted; false when the pinned key was marked verified. */
  accepted: boolean;
  /** Other changed keys that were pending, now forgotten (messages held from them dropped). */
  discarded: PendingKey[];
  /** Held messages from the accepted key, now in history (unread). */
  releasedIn: number;
  /** Held messages to the contact, now queued for the accepted key. */
  releasedOut: number;
}

export interface OpenOptions {
  profileDir: string;
  /** Unseals a passphrase-protected key file. */
  passphrase?: string;
  /** How long to wait for the profile while another process has it open (default 0: E_PROFILE_IN_USE at once). */
  lockWaitMs?: number;
  /**
   * Claim this pseudonym instead of the profile's (`natter rename`): connect()
   * Registers it, and the relay moves this identity to it and frees the old name
   * (docs/protocol.md "Register"). Checked as a new name (E_BAD_PSEUDONYM). The
   * caller saves it as the profile's pseudonym once connect() resolves; until
   * then the profile keeps its old name. Default: the profile's pseudonym.
   */
  pseudonym?: string;
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
  /** Secure-channel factory (tests). Default connectTls: TLS 1.3, never plain TCP. */
  connect?: (address: RelayAddress) => Promise<RelayChannel>;
  /** Time for every timer and timestamp of the core. Default the system clock. */
  clock?: Clock;
  /** Reconnect delays. Default: Backoff's (250 ms doubling to 10 s, full jitter). */
  reconnect?: BackoffOptions;
  /**
   * Log in (or register: Register.quiet) quietly (proto Login.quiet): the session gets mail and the roster, and
   * sends, as any other, but the relay does not announce it, so others do not see
   * this user come online for a one-shot command (send, inbox, who). Default false:
   * a client that stays (chat, inbox --follow) is announced. A relay from before
   * Register.quiet announces a first Register either way.
   */
  quiet?: boolean;
  /**
   * What one group's messages waiting for their sender's key may take here (bytes,
   * groups/held.ts heldCost). Default MAX_HELD_GROUP_BYTES (64 MiB); tests lower it.
   */
  maxHeldGroupBytes?: number;
}

/** NatterClient.connect()'s options. */
export interface ConnectOptions {
  /** How long to wait for a ready session. Default 30 000 ms. */
  timeoutMs?: number;
  /**
   * With no relay configured and presence enabled: how long to listen for a relay
   * beacon. Default all of `timeoutMs`; cut short when no relay at all is heard for
   * UNHEARD_BEACONS beacon intervals (unless `listenWholeWait`), and after
   * REMEMBERED_AFTER_MS by dialling the relay's remembered address (config.relaySeen).
   */
  discoverMs?: number;
  /**
   * Default off. When every attempt to reach the relay within it was refused or could not
   * resolve the host, reject then with E_RELAY_UNREACHABLE, its cause named (issue 13);
   * the link keeps retrying.
   */
  failFastMs?: number;
  /** Listen for a beacon all of `discoverMs` even when no relay at all is heard. Default false. */
  listenWholeWait?: boolean;
}
