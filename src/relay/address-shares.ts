/**
 * Each remote address's share of the relay's connections (fair-limits.ts; QA trial,
 * finding 1: one host held all 10,000 slots with silent sockets). The listener asks
 * `admit` when it accepts a socket, the Login tells `loggedIn`, the socket's close
 * `release`s it. Pure: no sockets, no timers; connect and login time only, nothing per
 * frame.
 */
import type { RelayLimits } from './limits.js';

/** Why a connection was refused: the relay is full, or this address has its share. */
export type ConnectionRefusal = 'relay' | 'address' | 'prelogin';

/** One admitted connection. */
export interface ConnectionTicket {
  readonly remote: string;
  readonly address: string;
  prelogin: boolean;
}

interface AddressCount {
  open: number;
  prelogin: number;
}

export type ConnectionShareLimits = Pick<
  RelayLimits,
  'maxConnections' | 'maxConnectionsPerAddress' | 'maxPreloginPerAddress'
>;

export class ConnectionShares {
  private readonly byAddress = new Map<string, AddressCount>();
  /** Admitted connections by remote address and port (unique among open connections). */
  private readonly tickets = new Map<string, ConnectionTicket>();

  constructor(private readonly limits: ConnectionShareLimits) {}

  /** Connections admitted and not yet released. */
  get size(): number {
    return this.tickets.size;
  }

  /** Connections from `address` in all and before login (tests, logs). */
  countOf(address: string): { open: number; prelogin: number } {
    const c = this.byAddress.get(address);
    return { open: c?.open ?? 0, prelogin: c?.prelogin ?? 0 };
  }

  /** A ticket for a new connection from `remote` ("address:port"), or why not. */
  admit(remote: string): ConnectionTicket | ConnectionRefusal {
    const { limits } = this;
    if (this.tickets.size >= limits.maxConnections) return 'relay';
    const address = addressOf(remote);
    const count = this.byAddress.get(address) ?? { open: 0, prelogin: 0 };
    if (count.open >= limits.maxConnectionsPerAddress) return 'address';
    if (count.prelogin >= limits.maxPreloginPerAddress) return 'prelogin';
    count.open++;
    count.prelogin++;
    this.byAddress.set(address, count);
    const ticket: ConnectionTicket = { remote, address, prelogin: true };
    this.tickets.set(remote, ticket);
    return ticket;
  }

  /** The connection from `remote` logged in: it no longer counts as one before login. */
  loggedIn(remote: string): void {
    const ticket = this.tickets.get(remote);
    if (ticket === undefined || !ticket.prelogin) return;
    ticket.prelogin = false;
    const count = this.byAddress.get(ticket.address);
    if (count) count.prelogin--;
  }

  /** The ticket's connection closed. Safe to repeat. */
  release(ticket: ConnectionTicket): void {
    if (this.tickets.get(ticket.remote) !== ticket) return;
    this.tickets.delete(ticket.remote);
    const count = this.byAddress.get(ticket.address);
    if (count === undefined) return;
    count.open--;
    if (ticket.prelogin) count.prelogin--;
    if (count.open <= 0) this.byAddress.delete(ticket.address);
  }
}

/** The address of "address:port" (IPv6 addresses hold colons too: the port is after the last). */
export function addressOf(remote: string): string {
  const colon = remote.lastIndexOf(':');
  return colon < 0 ? remote : remote.slice(0, colon);
}
