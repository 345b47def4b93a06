/**
 * What a beacon needs from the network, as a small interface (DESIGN.md §1:
 * transport is a parameter). beacon.ts implements it over UDP; unit tests pass
 * an in-memory one.
 */
import type { Logger } from '../util/logger.js';

export interface ReceivedDatagram {
  bytes: Uint8Array;
  /** Source address and port as the OS reports them: a reply target, never an identity. */
  address: string;
  port: number;
}

export interface PresenceTransport {
  /** Sends to every broadcast target on the presence port. Never rejects; failures are logged. */
  broadcast(bytes: Uint8Array): Promise<void>;
  /** Sends to one address and port (a unicast reply). Never rejects. */
  sendTo(bytes: Uint8Array, address: string, port: number): Promise<void>;
  /** Stops receiving and releases the sockets. Safe to repeat. */
  close(): Promise<void>;
}

export interface TransportOptions {
  /** UDP port shared by every natter process on the LAN. */
  port: number;
  /**
   * Local address the listening socket binds. It must hear broadcasts, and on
   * Linux a socket bound to a unicast address does not, so this is normally the
   * wildcard.
   */
  bindAddress: string;
  /**
   * Local address the sending socket binds: the source address of every datagram
   * we send, which receivers answer and which a client dials to reach a relay.
   */
  sendAddress: string;
  /**
   * Where broadcast() sends: interface broadcasts and extra targets, deduplicated.
   * Asked on every send, because interfaces come and go (Wi-Fi, VPN, docking).
   */
  targets(): readonly string[];
  logger: Logger;
}

export type OpenTransport = (
  options: TransportOptions,
  onDatagram: (datagram: ReceivedDatagram) => void,
) => Promise<PresenceTransport>;
