/**
 * How the client takes part in LAN presence (OpenOptions.presence), and the
 * checks on our own status before it is announced.
 */
import type { OpenTransport } from '../../presence/transport.js';
import { MAX_STATUS_TEXT_CHARS } from '../../wire/limits.js';
import { isSafeLine } from '../../wire/text.js';
import { STATUSES } from '../../wire/types.js';
import { PeerCode, peerError } from '../errors.js';
import type { PresenceStatus } from '../events.js';
import { pick } from '../pick.js';

/** OpenOptions.presence: how the client takes part in LAN presence. Each default is stated. */
export interface PresenceOptions {
  /** Shared UDP presence port. Default DEFAULT_PRESENCE_PORT (47475). */
  port?: number;
  /** Broadcast targets besides the interfaces' own, e.g. ['127.255.255.255'] in tests. Default []. */
  extraTargets?: string[];
  /** Broadcast on every non-internal IPv4 interface. Default true; tests turn it off. */
  broadcastInterfaces?: boolean;
  /** Heartbeat interval. Default HEARTBEAT_INTERVAL_MS (2000). */
  intervalMs?: number;
  /** Heartbeats a peer may miss before it expires. Default 3. */
  missedBeforeExpiry?: number;
  /** Initial status. Default 'online'. */
  status?: PresenceStatus;
  /** Initial status text, one line of at most MAX_STATUS_TEXT_CHARS (80). Default ''. */
  statusText?: string;
  /**
   * Announce ourselves (HELLO, heartbeats, BYE) from connect() until close. Default
   * true. With false nothing is sent or bound except while discovering a relay,
   * which short-lived commands (`natter send`) do when no relay is configured.
   */
  announce?: boolean;
  /**
   * With announce false: listen on the LAN all the same from connect() until close (a QUERY
   * at start, which peers answer at once, then their heartbeats), announcing nothing: what
   * `natter who` lists beside the relay's roster. Default false.
   */
  listen?: boolean;
  /** The network (tests wrap or replace it). Default: UDP (openPresenceSocket). */
  openTransport?: OpenTransport;
}

/** The settings the UDP side (the Beacon) takes. */
export function beaconSettings(s: PresenceOptions) {
  return pick(s, [
    'port',
    'extraTargets',
    'broadcastInterfaces',
    'intervalMs',
    'missedBeforeExpiry',
    'openTransport',
  ]);
}

/** Throws E_BAD_STATUS unless `status` is one of STATUSES. */
export function checkStatus(status: PresenceStatus): PresenceStatus {
  if (!STATUSES.includes(status)) {
    throw peerError(PeerCode.BadStatus, `status: '${status}' is not one of ${STATUSES.join(', ')}`);
  }
  return status;
}

/** Throws E_BAD_STATUS unless `text` is one safe line of at most MAX_STATUS_TEXT_CHARS. */
export function checkStatusText(text: string): string {
  if ([...text].length > MAX_STATUS_TEXT_CHARS || !isSafeLine(text)) {
    throw peerError(
      PeerCode.BadStatus,
      `status: the text must be one line of at most ${MAX_STATUS_TEXT_CHARS} characters, without control characters`,
    );
  }
  return text;
}
