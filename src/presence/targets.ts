/**
 * Where presence broadcasts go. Directed broadcast addresses (RFC 919/922)
 * computed from each interface's address and netmask. Directed rather than
 * limited broadcast (255.255.255.255), because the latter leaves only through
 * the interface of the default route on Linux, so a host on two LANs would
 * announce on one.
 *
 * Pure: the interface list (os.networkInterfaces() in production) is passed in.
 */
import type { NetworkInterfaceInfo } from 'node:os';

/** What os.networkInterfaces() returns. */
export type InterfaceList = Record<string, NetworkInterfaceInfo[] | undefined>;

/** The broadcast address of 127.0.0.0/8, which never leaves the host. */
export const LOOPBACK_BROADCAST = '127.255.255.255';

const LOOPBACK_NETWORK = 0x7f000000;
const LOOPBACK_MASK = 0xff000000;

/** One broadcast address per non-internal IPv4 interface that has one, deduplicated. */
export function directedBroadcasts(interfaces: InterfaceList): string[] {
  const out = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      const broadcast = broadcastOf(info);
      if (broadcast !== null) out.add(broadcast);
    }
  }
  return [...out];
}

/** An IPv4 network, as numbers: `address & mask === network`. */
export interface Subnet {
  network: number;
  mask: number;
}

/**
 * Where a service listening on one TCP address can be reached, as far as IPv4
 * broadcast goes (issue 8, finding 8: a relay on 127.0.0.1 must not announce
 * itself on the LAN).
 *
 * - `targets`: the interface broadcast addresses to announce on;
 * - `reaches`: the sources a unicast reply may go to ('any', or these subnets):
 *   a QUERY heard from elsewhere came in through the wildcard-bound presence
 *   socket, but its sender could not connect to us;
 * - `problem`: why there are no targets, for a warning; null when all is well.
 */
export interface ListenScope {
  targets: string[];
  reaches: 'any' | Subnet[];
  problem: string | null;
}

/**
 * The scope of a TCP listen address (the relay's `--host`):
 *
 * - a wildcard ('0.0.0.0', '::', ''): every non-internal IPv4 interface, as
 *   directedBroadcasts();
 * - a loopback address (127.0.0.0/8): only LOOPBACK_BROADCAST (every 127/8
 *   address is local on Linux, so the interface list is not consulted);
 * - another IPv4 address (also IPv4-mapped '::ffff:a.b.c.d'): the broadcast
 *   address of each interface holding it;
 * - an IPv6 address, a host name or an address no interface holds: nothing.
 *   Beacons are IPv4 and clients dial their source address, so an IPv6-only
 *   relay cannot be announced; a host name is resolved by the listener, so
 *   pass the address it bound (server.address()).
 */
export function listenScope(interfaces: InterfaceList, listenHost: string): ListenScope {
  const host = unmapIPv4(listenHost.trim());
  if (isWildcard(host)) {
    return { targets: directedBroadcasts(interfaces), reaches: 'any', problem: null };
  }
  const address = parseIPv4(host);
  if (address === null) {
    const problem = host.includes(':')
      ? `listen address ${listenHost} is IPv6; presence beacons are IPv4 only`
      : `listen address '${listenHost}' is not an IP address`;
    return nowhere(problem);
  }
  if ((address & LOOPBACK_MASK) >>> 0 === LOOPBACK_NETWORK) {
    const loopback = { network: LOOPBACK_NETWORK, mask: LOOPBACK_MASK };
    return { targets: [LOOPBACK_BROADCAST], reaches: [loopback], problem: null };
  }
  const targets = new Set<string>();
  const reaches: Subnet[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || parseIPv4(info.address) !== address) continue;
      const mask = parseIPv4(info.netmask);
      if (mask === null) continue;
      reaches.push({ network: (address & mask) >>> 0, mask });
      const broadcast = broadcastOf(info);
      if (broadcast !== null) targets.add(broadcast);
    }
  }
  if (reaches.length === 0) return nowhere(`no interface holds listen address ${host}`);
  const problem =
    targets.size === 0 ? `listen address ${host} is on a link with no broadcast address` : null;
  return { targets: [...targets], reaches, problem };
}

/** True if a reply to `address` (an IPv4 source as dgram reports it) stays within `scope`. */
export function scopeReaches(scope: ListenScope, address: string): boolean {
  if (scope.reaches === 'any') return true;
  const a = parseIPv4(unmapIPv4(address));
  if (a === null) return false;
  return scope.reaches.some((s) => (a & s.mask) >>> 0 === s.network);
}

/**
 * The local IPv4 address a listener on `listenHost` is bound to, or null for a
 * wildcard or a non-IPv4 host. The relay sends its beacons from it, because a
 * client dials a beacon's source address.
 */
export function specificIPv4(listenHost: string): string | null {
  const host = unmapIPv4(listenHost.trim());
  if (isWildcard(host)) return null;
  const address = parseIPv4(host);
  return address === null ? null : formatIPv4(address);
}

export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** Null for /32 and /31 (RFC 3021 point-to-point) links, which have no broadcast address. */
function broadcastOf(info: NetworkInterfaceInfo): string | null {
  const address = parseIPv4(info.address);
  const mask = parseIPv4(info.netmask);
  if (address === null || mask === null || ~mask >>> 0 <= 1) return null;
  return formatIPv4((address | ~mask) >>> 0);
}

/** '0.0.0.0', '' and any spelling of the IPv6 unspecified address ('::', '0:0::0'). */
function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || (host.includes(':') && /^[0:]+$/.test(host));
}

/** '::ffff:192.0.2.1' (an IPv4-mapped IPv6 address) is '192.0.2.1'. */
function unmapIPv4(host: string): string {
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped?.[1] ?? host;
}

function nowhere(problem: string): ListenScope {
  return { targets: [], reaches: [], problem };
}
