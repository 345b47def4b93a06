/**
 * Finding a relay on the LAN (DESIGN.md §2 and §5, issues 3 and 10): relays
 * answer a QUERY at once with a signed beacon. A profile that has registered
 * with a relay takes only beacons carrying that relay's id, from any address (the
 * relay may move); another relay counts only when the user accepts a new one.
 * Once a relay id is chosen, every address announcing it within a short window
 * is a candidate: no single first arrival decides where to dial, and the link
 * refuses an address whose relay does not prove the id (relay-candidates.ts).
 */
import type { RelaySighting } from '../../presence/relays.js';
import { rankSightings } from '../../presence/relays.js';
import type { Clock, Timer } from '../../util/clock.js';
import { formatRelayAddress, type RelayAddress } from '../relay-address.js';

/**
 * When discovery hears a relay that is not pinned in the profile, how long it
 * waits for a pinned one before taking it. Relays answer a QUERY at once, so a
 * pinned relay on the same LAN is heard well within this.
 */
export const DISCOVERY_SETTLE_MS = 50;

/**
 * Once a relay id is chosen, how long discovery keeps collecting addresses that
 * announce it. The relay's answer to our QUERY and a replay of its beacon by
 * another host both arrive within milliseconds of the QUERY; taking only the
 * first would let whoever is faster choose where we dial.
 */
export const CANDIDATE_WINDOW_MS = 50;

/**
 * Only relays with another id than the pinned one answered for this long: the pinned
 * relay is not on the LAN now (it answers a QUERY in milliseconds), most likely the one
 * heard is it reinstalled with a new key: E_RELAY_KEY_CHANGED, not a 30 s wait
 * (sixteenth sitting's operator trial; relay-link.ts relayQuery).
 */
export const OTHER_RELAYS_END_MS = 1_000;

/**
 * A profile with no relay yet: how long discovery listens, after the first relay answered,
 * for others. Every relay answers our QUERY at once, so a second relay on the LAN is heard
 * within this; with two, taking the faster one split new users between them (seventeenth
 * sitting's newcomer trial), so the user chooses (E_SEVERAL_RELAYS).
 */
export const SEVERAL_SETTLE_MS = 300;

/**
 * Beacon intervals with no relay heard at all after which discovery gives up (unless told to
 * listen the whole wait): relays answer a QUERY at once and beacon every interval, so three
 * silent intervals mean none can be heard here (none running, or UDP in blocked).
 */
export const UNHEARD_BEACONS = 3;

/** A relay heard through its signed beacon. host:port is where to dial first; relayId must then be proven. */
export interface DiscoveredRelay extends RelayAddress {
  /** The relay id from the signed beacon, hex. The relay must prove this key on the link. */
  relayId: string;
  name: string;
  /** Every address heard announcing relayId, best first (host:port is the first). */
  candidates: RelayAddress[];
}

/** A relay heard but not taken: its id is not the one this profile registered with. */
export interface IgnoredRelay {
  relayId: string;
  name: string;
  /** 'host:port' of its best address. */
  address: string;
}

export interface RelayQuery {
  /** Relay ids pinned in the profile: one of them is taken before any other. Default none. */
  preferred?: ReadonlySet<string>;
  /** Take only relays in `preferred`; others are ignored (and listed in `ignored`). Default false. */
  preferredOnly?: boolean;
  /** Addresses ('host:port') already refused: never returned. Default none. */
  exclude?: ReadonlySet<string>;
  /**
   * With `preferredOnly`: once only other relays were heard, stop listening this long after
   * the first (the pinned relay answers a QUERY as fast), so a relay reinstalled with a new
   * key is said at once, not after the whole wait. Default: listen the whole wait.
   */
  othersEndAfterMs?: number;
  /** No relay at all heard for this long: stop listening (UNHEARD_BEACONS). Default: the whole wait. */
  unheardEndAfterMs?: number;
  /**
   * With nothing preferred heard: more than one other relay heard within SEVERAL_SETTLE_MS
   * of the first is not chosen between; they are listed in `several`. Default false.
   */
  refuseSeveral?: boolean;
}

export interface DiscoveryResult {
  found: DiscoveredRelay | undefined;
  /** Relays heard that `preferredOnly` kept out. */
  ignored: IgnoredRelay[];
  /** With `refuseSeveral`: the relays heard when more than one could be taken, by address. */
  several?: IgnoredRelay[];
  /** A relay beacon (any relay's) was heard at all. Absent: not known. */
  heardAny?: boolean;
}

/** What discovery listens to: a running beacon, or a short-lived listener (presence/beacon.ts). */
export interface RelaySource {
  relays(): RelaySighting[];
  relayCandidates(relayIdHex: string): RelaySighting[];
  on(event: 'relay:seen', listener: (s: RelaySighting) => void): () => void;
}

const addressOf = (s: RelaySighting) => formatRelayAddress({ host: s.address, port: s.port });
const describe = (s: RelaySighting): IgnoredRelay => ({
  relayId: s.relayIdHex,
  name: s.name,
  address: addressOf(s),
});

/**
 * Waits up to `timeoutMs` for `source` to hear a relay the query allows: a
 * preferred one is chosen at once, another (unless `preferredOnly`) after
 * DISCOVERY_SETTLE_MS. Then collects the chosen relay's addresses for
 * CANDIDATE_WINDOW_MS (cut short by the timeout).
 */
export function waitForRelay(
  source: RelaySource,
  clock: Clock,
  timeoutMs: number,
  query: RelayQuery = {},
): Promise<DiscoveryResult> {
  const preferred = query.preferred ?? new Set<string>();
  const exclude = query.exclude ?? new Set<string>();
  const usable = (s: RelaySighting) => !exclude.has(addressOf(s));
  const ignored = new Map<string, IgnoredRelay>();
  /** Each relay heard, at its best address not excluded. */
  const heard = () =>
    source
      .relays()
      .map((r) => source.relayCandidates(r.relayIdHex).find(usable))
      .filter((s) => s !== undefined);
  const acceptable = () => {
    const all = heard();
    const pinned = all.find((s) => preferred.has(s.relayIdHex));
    const others = all.filter((s) => !preferred.has(s.relayIdHex));
    if (query.preferredOnly) {
      for (const s of others) {
        ignored.set(s.relayIdHex, describe(s));
      }
      return { pinned, other: undefined, others: [] };
    }
    return { pinned, other: others[0], others };
  };
  let several: IgnoredRelay[] = [];
  /** `others` may not be chosen between (refuseSeveral): lists them, true. */
  const tooMany = (others: RelaySighting[]) => {
    if (query.refuseSeveral !== true || others.length < 2) return false;
    several = others.map(describe).sort((a, b) => (a.address < b.address ? -1 : 1));
    return true;
  };

  return new Promise((resolve) => {
    let chosen: string | null = null;
    const candidates = new Map<string, RelaySighting>();
    let settle: Timer | null = null;
    let window: Timer | null = null;
    let othersOnly: Timer | null = null;
    let unheard: Timer | null = null;
    const finish = () => {
      off();
      for (const t of [timer, settle, window, othersOnly, unheard])
        if (t !== null) clock.clearTimeout(t);
      const ranked = rankSightings(candidates.values());
      const best = ranked[0];
      resolve({
        found:
          chosen === null || best === undefined
            ? undefined
            : {
                host: best.address,
                port: best.port,
                relayId: chosen,
                name: best.name,
                candidates: ranked.map((s) => ({ host: s.address, port: s.port })),
              },
        ignored: [...ignored.values()],
        several,
        heardAny: heardAny || source.relays().length > 0,
      });
    };
    const add = (s: RelaySighting) => {
      if (s.relayIdHex === chosen && usable(s)) candidates.set(s.address, s);
    };
    const choose = (relayIdHex: string) => {
      chosen = relayIdHex;
      for (const s of source.relayCandidates(relayIdHex)) add(s);
    };
    const chooseAndCollect = (relayIdHex: string) => {
      choose(relayIdHex);
      window = clock.setTimeout(finish, CANDIDATE_WINDOW_MS);
    };
    const check = () => {
      if (chosen !== null) return;
      const { pinned, other } = acceptable();
      const endsMs = query.othersEndAfterMs;
      if (pinned === undefined && ignored.size > 0 && endsMs !== undefined && othersOnly === null)
        othersOnly = clock.setTimeout(finish, endsMs);
      if (pinned !== undefined) {
        chooseAndCollect(pinned.relayIdHex);
      } else if (other !== undefined && preferred.size === 0 && query.refuseSeveral !== true) {
        chooseAndCollect(other.relayIdHex);
      } else if (other !== undefined && settle === null) {
        // A relay we have pinned may answer a moment later: give it that moment; with
        // none pinned, another relay may answer too (refuseSeveral).
        const settleMs = preferred.size === 0 ? SEVERAL_SETTLE_MS : DISCOVERY_SETTLE_MS;
        settle = clock.setTimeout(() => {
          settle = null;
          const late = acceptable();
          if (late.pinned === undefined && tooMany(late.others)) return finish();
          const pick = late.pinned ?? late.other;
          if (pick !== undefined) chooseAndCollect(pick.relayIdHex);
        }, settleMs);
      }
    };
    let heardAny = source.relays().length > 0;
    const off = source.on('relay:seen', (s) => {
      heardAny = true;
      if (chosen === null) check();
      else add(s);
    });
    const timer: Timer = clock.setTimeout(
      () => {
        if (chosen === null) {
          const { pinned, other, others } = acceptable();
          const pick = pinned ?? (tooMany(others) ? undefined : other);
          if (pick !== undefined) choose(pick.relayIdHex);
        }
        finish();
      },
      Math.max(0, timeoutMs),
    );
    const quietMs = query.unheardEndAfterMs;
    if (quietMs !== undefined && quietMs < timeoutMs) {
      unheard = clock.setTimeout(() => {
        unheard = null;
        if (!heardAny && source.relays().length === 0) finish();
      }, quietMs);
    }
    check();
  });
}
