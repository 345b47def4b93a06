/**
 * Directed broadcast addresses (RFC 919/922) computed from each interface's
 * address and netmask. Directed rather than limited broadcast
 * (255.255.255.255), because the latter leaves only through the interface of
 * the default route on Linux, so a host on two LANs would announce on one.
 */
import type { NetworkInterfaceInfo } from 'node:os';

/** One broadcast address per non-internal IPv4 interface that has one, deduplicated. */
export function directedBroadcasts(
  interfaces: Record<string, NetworkInterfaceInfo[] | undefined>,
): string[] {
  const out = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      const address = parseIPv4(info.address);
      const mask = parseIPv4(info.netmask);
      if (address === null || mask === null) continue;
      // /32 and /31 (RFC 3021 point-to-point) links have no broadcast address.
      if (~mask >>> 0 <= 1) continue;
      out.add(formatIPv4((address | ~mask) >>> 0));
    }
  }
  return [...out];
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
