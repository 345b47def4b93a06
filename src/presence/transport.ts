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
  /** Local address to bind. */
  bindAddress: string;
  /** Send to the directed broadcast address of every non-internal IPv4 interface. */
  broadcastInterfaces: boolean;
  /** Further broadcast or unicast targets, e.g. '127.255.255.255' in tests. */
  extraTargets: readonly string[];
  logger: Logger;
}

export type OpenTransport = (
  options: TransportOptions,
  onDatagram: (datagram: ReceivedDatagram) => void,
) => Promise<PresenceTransport>;
