/**
 * What a discovery that took no relay means, in words the user can act on
 * (seventeenth sitting's newcomer trial): no relay heard at all (none running, or
 * the relay beacons' UDP port blocked coming in), the profile's relay silent
 * while another answers (E_RELAY_KEY_CHANGED), or several relays on a LAN where
 * this profile has none yet (E_SEVERAL_RELAYS: taking the faster one split new
 * users between two relays). Pure: the relay link (relay-link.ts) throws these.
 */
import { DEFAULT_PRESENCE_PORT } from '../presence/constants.js';
import { isNatterError, NatterError } from '../util/errors.js';
import { PeerCode, peerError } from './errors.js';
import {
  type DiscoveredRelay,
  type DiscoveryResult,
  type IgnoredRelay,
  OTHER_RELAYS_END_MS,
  type RelayQuery,
  UNHEARD_BEACONS,
} from './presence/discovery.js';
import { type ProfileConfig, relayFingerprint } from './profile.js';

/** How a relay is found on the LAN (presence/client-presence.ts). */
export interface RelayDiscovery {
  /** False when presence is switched off: no UDP at all. */
  readonly canDiscover: boolean;
  /** The LAN's beacon interval: a relay is heard again within it. */
  readonly beaconIntervalMs: number;
  /** The UDP port relay beacons come in on, for the advice when none is heard. Default 47475. */
  readonly port?: number | undefined;
  discoverRelay(timeoutMs: number, query: RelayQuery): Promise<DiscoveryResult>;
}

/**
 * A profile that reached its relay through discovery before, and hears no beacon of it
 * within this long, dials the address it reached it at (config.relaySeen): the relay
 * answers a QUERY in milliseconds, so a silence this long means the beacons do not come
 * in (a firewall) or the relay is down; its last address tells which, at once.
 */
export const REMEMBERED_AFTER_MS = 1_000;

/**
 * What discovery may take: only the relay this profile registered with, unless
 * the user accepts a new one (then it is still preferred). A profile from
 * before issue 10 prefers the relays it pinned per address, as it did.
 */
export function relayQuery(config: ProfileConfig, acceptNewRelayKey: boolean): RelayQuery {
  if (config.relayId !== undefined) {
    return {
      preferred: new Set([config.relayId]),
      preferredOnly: !acceptNewRelayKey,
      othersEndAfterMs: OTHER_RELAYS_END_MS,
    };
  }
  return { preferred: new Set(Object.values(config.pinnedRelays)) };
}

export type Heard =
  | { kind: 'found'; found: DiscoveredRelay }
  /** No beacon of the profile's relay: dial where it was reached last, the relay proving `relayId`. */
  | { kind: 'remembered'; address: string; relayId: string };

/**
 * Listens for the relay this profile may use: up to `discoverMs`, less when nothing at
 * all is heard for UNHEARD_BEACONS intervals (unless `listenWholeWait`), and only
 * REMEMBERED_AFTER_MS when the profile remembers its relay's address. Several relays
 * with none pinned are not chosen between. Throws notFound()'s errors.
 */
export async function findRelay(
  discovery: RelayDiscovery,
  config: ProfileConfig,
  discoverMs: number,
  o: { acceptNewRelayKey: boolean; listenWholeWait: boolean },
): Promise<Heard> {
  const unheardMs = UNHEARD_BEACONS * discovery.beaconIntervalMs;
  const query: RelayQuery = {
    ...relayQuery(config, o.acceptNewRelayKey),
    refuseSeveral: true,
    ...(o.listenWholeWait ? {} : { unheardEndAfterMs: unheardMs }),
  };
  const { relayId } = config;
  const remembered = relayId === undefined ? undefined : config.relaySeen;
  const listenMs =
    remembered === undefined ? discoverMs : Math.min(discoverMs, REMEMBERED_AFTER_MS);
  const result = await discovery.discoverRelay(listenMs, query);
  if (result.found !== undefined) return { kind: 'found', found: result.found };
  if (remembered !== undefined && relayId !== undefined && result.ignored.length === 0)
    return { kind: 'remembered', address: remembered, relayId };
  const waitedMs = o.listenWholeWait || result.heardAny ? listenMs : Math.min(listenMs, unheardMs);
  const udpPort = discovery.port ?? DEFAULT_PRESENCE_PORT;
  throw notFound(result, { waitedMs, pinned: relayId, udpPort });
}

/** A remembered address that did not answer (`err`): no beacon came in either, and that is said. */
export function unheardToo(err: unknown, discovery: RelayDiscovery): unknown {
  if (!isNatterError(err)) return err;
  if (err.code !== 'E_RELAY_UNREACHABLE' && err.code !== 'E_RELAY_TIMEOUT') return err;
  const udpPort = discovery.port ?? DEFAULT_PRESENCE_PORT;
  const said = `${err.message}; that is where this profile reached its relay last, dialled because no beacon of it came in: ${noRelayAdvice(udpPort)}`;
  return new NatterError(err.code, said, err.cause === undefined ? {} : { cause: err.cause });
}

/** What the relay link knows when discovery took no relay. */
export interface NotFoundContext {
  /** How long discovery listened, ms. */
  waitedMs: number;
  /** The relay id this profile registered with, if any. */
  pinned: string | undefined;
  /** The UDP port relay beacons come in on (presence's port). */
  udpPort: number;
}

/** One relay heard, for a list: `'office' at 10.0.0.5:47474 (relay id 1a2b …)`. */
export function describeRelay(r: IgnoredRelay): string {
  return `'${r.name}' at ${r.address} (relay id ${relayFingerprint(r.relayId)})`;
}

/**
 * The advice when nothing was heard: the same in the chat and every command. A
 * firewall that drops UDP coming in hides every relay (and every peer) from this host.
 */
export function noRelayAdvice(udpPort: number): string {
  return `check that UDP port ${udpPort} may come in to this host (a firewall may block the relay's beacons), start a relay with natter relay, or pass --relay HOST`;
}

/** The error for a discovery that took no relay (`result`: what it heard). */
export function notFound(result: DiscoveryResult, c: NotFoundContext): NatterError {
  const several = result.several ?? [];
  if (several.length > 1) {
    return peerError(
      PeerCode.SeveralRelays,
      `${several.length} relays announce themselves on the LAN: ${several.map(describeRelay).join('; ')}. This profile has no relay yet, so natter does not pick one: ask which relay your group uses, and pass --relay HOST:PORT once (it is remembered)`,
    );
  }
  const other = result.ignored[0];
  if (c.pinned !== undefined && other !== undefined) {
    return peerError(
      PeerCode.RelayKeyChanged,
      `the relay this profile registered with (${relayFingerprint(c.pinned)}) did not announce itself on the LAN; relay ${describeRelay(other)} did, with another relay id: if your relay was reinstalled on purpose and its startup line shows that id, retry with --accept-new-relay-key`,
    );
  }
  const heard = result.heardAny === true ? 'no relay this profile may use' : 'no relay';
  return peerError(
    PeerCode.NoRelay,
    c.pinned === undefined
      ? `${heard} announced itself on the LAN within ${c.waitedMs} ms (listening on UDP port ${c.udpPort}): ${noRelayAdvice(c.udpPort)}`
      : `the relay this profile registered with (${relayFingerprint(c.pinned)}) did not announce itself on the LAN within ${c.waitedMs} ms (listening on UDP port ${c.udpPort}): is it running? Else ${noRelayAdvice(c.udpPort)}`,
  );
}
