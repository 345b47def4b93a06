/**
 * Relay addresses: 'host:port' as typed, configured and saved, and which one to
 * dial (`--relay` > NATTER_RELAY > the profile's config > presence discovery).
 * Pure: the caller reads the config and the environment; nothing here touches
 * the profile directory (profile.ts) or a socket.
 */
import { PeerCode, peerError } from './errors.js';

/** The relay's default TCP port, used when an address names only a host. */
export const DEFAULT_RELAY_PORT = 47474;

export interface RelayAddress {
  host: string;
  port: number;
  /**
   * Other relays of the same service (issue 15: relays on one NATS cluster prove one
   * relay id), dialled in turn when this one cannot be reached. Written after it,
   * comma-separated: 'a:47474,b:47474'.
   */
  also?: RelayAddress[];
}

type Env = Record<string, string | undefined>;

/**
 * 'host:port', 'host' (default port) or '[v6]:port'; several, comma-separated, for
 * the relays of one cluster (the first is dialled first). Throws E_BAD_RELAY_ADDRESS.
 */
export function parseRelayAddress(text: string): RelayAddress {
  if (text.includes(',')) {
    const [first, ...rest] = text.split(',').map(parseOneAddress);
    return rest.length === 0 ? first! : { ...first!, also: rest };
  }
  return parseOneAddress(text);
}

function parseOneAddress(text: string): RelayAddress {
  const s = text.trim();
  const bad = () => peerError(PeerCode.BadRelayAddress, `relay address '${text}' is not HOST:PORT`);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const parts = s.split(':');
    if (parts.length > 2) throw bad();
    host = parts[0]!;
    portText = parts[1];
  }
  if (host.length === 0 || /\s/.test(host)) throw bad();
  if (portText === undefined) return { host, port: DEFAULT_RELAY_PORT };
  if (!/^\d{1,5}$/.test(portText)) throw bad();
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad();
  return { host, port };
}

export function formatRelayAddress(address: RelayAddress): string {
  const one = address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
  return address.also ? [one, ...address.also.map(formatRelayAddress)].join(',') : one;
}

/** The address and its alternates, in the order they are dialled. */
export function relayAddresses(address: RelayAddress): RelayAddress[] {
  const { also = [], ...first } = address;
  return [first, ...also];
}

export interface RelaySources {
  /** `--relay HOST:PORT`. */
  explicit?: string | undefined;
  env?: Env;
  /** The profile's config (config.json, profile.ts): its remembered `relay`. */
  config?: { relay?: string };
  /**
   * The relay found by presence discovery (issue 3). Consulted last: a configured
   * address always wins, so a rogue beacon cannot redirect a configured client.
   */
  discovered?: () => RelayAddress | undefined;
}

/** `--relay` > NATTER_RELAY > config.relay > discovered. Throws E_NO_RELAY if none. */
export function resolveRelayAddress(sources: RelaySources): RelayAddress {
  const env = sources.env ?? process.env;
  const text = sources.explicit || env.NATTER_RELAY || sources.config?.relay;
  if (text) return parseRelayAddress(text);
  const found = sources.discovered?.();
  if (found) return found;
  throw peerError(
    PeerCode.NoRelay,
    'no relay address: pass --relay HOST:PORT, set NATTER_RELAY, or run natter with --relay once to remember it',
  );
}

/**
 * `address`, with the addresses heard after it for the same relay id (best first)
 * to dial when it cannot be reached; those before it were tried and refused.
 */
export function withAlternates(
  address: RelayAddress,
  heard: readonly RelayAddress[],
): RelayAddress {
  const key = formatRelayAddress(address);
  const at = heard.findIndex((a) => formatRelayAddress(a) === key);
  const also = at < 0 ? [] : heard.slice(at + 1);
  return also.length === 0 ? address : { ...address, also };
}
