/**
 * The profile's policy toward one relay (DESIGN.md §2, issue 10): which relay id
 * to accept (the one this profile registered with, kept by profile.ts whatever
 * the address), whether to Register or Login there (a per-relay 'registered'
 * flag in the store), and what to remember once a session is ready. Owns the
 * relay id the last handshake proved.
 */
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import type { NatterError } from '../../util/errors.js';
import {
  checkRelayPin,
  type ProfilePaths,
  pinRelay,
  readConfig,
  unpinRelay,
  updateConfig,
} from '../profile.js';
import { parseRelayAddress } from '../relay-address.js';
import { del, type PeerStore, PREFIX, putJson } from '../store.js';
import { LinkCode, linkError } from './errors.js';
import type { AuthMode, ReadyInfo, RelayPolicy } from './handshake.js';

export interface RelayPinningOptions {
  /**
   * 'host:port' as dialled (profiles from before issue 10 pinned per address), asked at
   * each use: a session may follow its relay's beacon to another address.
   */
  address: () => string;
  /**
   * Whether address() is one a beacon of the relay led to (dial-targets.ts follow) rather
   * than the session's own: remembered only where the relay says it was reached. Default never.
   */
  followed?: () => boolean;
  /**
   * The pseudonym this session claims. One other than the profile's saved name is
   * a rename (OpenOptions.pseudonym): Registered, even where the old one is.
   */
  pseudonym: string;
  paths: ProfilePaths;
  store: PeerStore;
  /** Accept (and re-pin) a relay whose id differs from the pinned one. Default false. */
  acceptNewRelayKey?: boolean;
  /**
   * The relay id (hex) the relay must prove, when the address came from a relay
   * beacon: a beacon's source address is only a hint, so a relay that answers
   * there with another key is refused (E_RELAY_ID_MISMATCH) before pinning.
   */
  expectRelayId?: string;
  clock?: Clock;
}

/** Set once a relay has accepted our Register: from then on we Login there. */
const REGISTERED = `${PREFIX.meta}registered!`;
const registeredKey = (relayId: Uint8Array) => `${REGISTERED}${toHex(relayId)}`;

/**
 * Whether a relay has accepted `pseudonym` for this profile: it is the saved name
 * (not a rename) and the profile registered somewhere. Presence holds its
 * announcement until then (ClientPresenceOptions.self.claimed).
 */
export async function nameClaimed(
  store: PeerStore,
  saved: string | undefined,
  pseudonym: string,
): Promise<boolean> {
  if (saved !== pseudonym) return false;
  return registeredAnywhere(store);
}

/** Whether any relay ever accepted a Register from this profile (its saved name is held there). */
export async function registeredAnywhere(store: PeerStore): Promise<boolean> {
  for await (const _ of store.scan(REGISTERED, { limit: 1 })) return true;
  return false;
}

export class RelayPinning implements RelayPolicy {
  private relayId: Uint8Array | null = null;
  /** A session was ready through this policy: its relay proved the id it must. */
  private reached = false;
  /** The id checkRelay pinned where none was pinned before (first contact), until Ready. */
  private firstPin: string | null = null;
  /** The beacon's relay proved its id here: the address may be remembered at Ready. */
  private seenHere = false;
  private readonly clock: Clock;

  constructor(private readonly o: RelayPinningOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /**
   * Refuses a relay that is not the beacon's, or whose id differs from the pin
   * (unless the user accepts a new relay); pins the id of one it accepts.
   */
  async checkRelay(relayId: Uint8Array): Promise<void> {
    this.relayId = relayId;
    // A relay that proved the beacon's id on this session before and now proves another
    // changed its key (reinstalled, a new data dir): said as E_RELAY_KEY_CHANGED by the
    // pin check below, not blamed on a beacon (sixteenth sitting's operator trial).
    const changed = this.reached && this.o.expectRelayId !== undefined;
    if (!changed && this.o.expectRelayId !== undefined && toHex(relayId) !== this.o.expectRelayId) {
      throw linkError(
        LinkCode.RelayIdMismatch,
        `connect: the relay at ${this.o.address()} is not the one whose beacon announced it (a different relay key)`,
      );
    }
    const hex = toHex(relayId);
    const pin = await checkRelayPin(
      this.o.paths,
      this.o.address(),
      hex,
      this.o.acceptNewRelayKey === true,
    );
    this.firstPin = pin === 'new' ? hex : null;
    // Pinned before we sign anything for it, so the pin is on disk once connect()
    // resolves, whatever the caller does next (a short command exits at once).
    await pinRelay(this.o.paths, hex);
    // The beacon's relay proved its id here, before or after a loss (restart trial: a session
    // that was ready once and then followed its relay to a new port kept the old address).
    this.seenHere = hex === this.o.expectRelayId;
  }

  private async seenAt(address: string): Promise<void> {
    if ((await readConfig(this.o.paths)).relaySeen === address) return;
    await updateConfig(this.o.paths, (c) => {
      c.relaySeen = address;
    });
  }

  /** Register on first contact with a relay, and to move to a new name; Login otherwise. */
  async authMode(relayId: Uint8Array): Promise<AuthMode> {
    const saved = (await readConfig(this.o.paths)).pseudonym;
    if (saved !== undefined && saved !== this.o.pseudonym) return 'register';
    return (await this.o.store.get(registeredKey(relayId))) === undefined ? 'register' : 'login';
  }

  /**
   * After Ready: Login from now on, and save the configured address that worked
   * as the profile's relay (issue 13: an address saved by `init --relay` is not
   * stuck forever). Ready means the relay passed checkRelay: it proved the pinned
   * relay id, or was the first relay, or the user accepted its new id; an address
   * whose relay proves another id never gets here (docs/decisions.md). A
   * discovered address is not saved as `relay` (its relay id is, by checkRelay): it
   * is found again on every run (it answers a QUERY in milliseconds, and only with
   * the pinned id is it taken), so a relay that moves to another address is
   * followed instead of dialled at its old one forever. checkRelay() saved it as
   * `relaySeen`, dialled only when no beacon is heard.
   */
  async remember(info: ReadyInfo): Promise<void> {
    this.firstPin = null;
    this.reached = true;
    if (info.mode === 'register') {
      await this.o.store.write([putJson(registeredKey(info.relayId), this.clock.now())]);
    }
    // Where the beacon's relay proved its id, dialled when no beacon comes (seventeenth
    // sitting: a host whose firewall drops UDP coming in never found its relay again);
    // only when the relay says we reached it there: a host that replayed its beacon and
    // passed the bytes on is never remembered (test/e2e/lan-hostile.test.ts).
    if (this.seenHere && reachedDirectly(info.reachedAt, this.o.address()))
      await this.seenAt(this.o.address());
    if (this.o.expectRelayId !== undefined) return;
    // A configured relay followed to where its beacon came from (restart trial): the same rule.
    if (this.o.followed?.() === true && !reachedDirectly(info.reachedAt, this.o.address())) return;
    const config = await readConfig(this.o.paths);
    if (config.relay !== this.o.address()) {
      await updateConfig(this.o.paths, (c) => {
        c.relay = this.o.address();
      });
    }
  }

  /**
   * The first relay refused our Register (its store down, its disk full): the pin made for
   * it goes, so a profile that never registered anywhere pins no relay (sixteenth sitting's
   * operator trial: `config get` showed the id of a relay that had refused it).
   */
  async notRegistered(): Promise<void> {
    const hex = this.firstPin;
    this.firstPin = null;
    if (hex !== null) await unpinRelay(this.o.paths, hex);
  }

  /** The relay forgot us (its directory was reset): register again next time. */
  async refused(err: NatterError): Promise<void> {
    if (err.code !== 'E_UNKNOWN_USER' || this.relayId === null) return;
    await this.o.store.write([del(registeredKey(this.relayId))]);
  }
}

/** Whether the relay's end of the connection (Ready.reached_at) is the address dialled. */
function reachedDirectly(reachedAt: string | undefined, dialled: string): boolean {
  if (reachedAt === undefined) return false;
  try {
    const a = parseRelayAddress(reachedAt);
    const b = parseRelayAddress(dialled);
    return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
  } catch {
    return false;
  }
}
