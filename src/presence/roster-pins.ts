/**
 * Pseudonym pins and the impostors that break them. The first key seen with a
 * pseudonym pins it, unless the owner's pins (the contact store's TOFU pins)
 * already name a key; another key claiming it is a conflict, never that user.
 * A first-seen pin only the LAN vouches for yields to the key the relay reports
 * for that pseudonym (issue 10: a relay-registered user outranks an unknown LAN
 * heartbeat), and its LAN claimant becomes the conflict.
 */

import { LruMap } from '../util/lru.js';
import { lookalikeKey, newPseudonymProblem, pseudonymKey } from '../wire/text.js';
import { MAX_REMEMBERED_KEYS, MAX_TRACKED_CONFLICTS } from './constants.js';
import type { ListedUsers } from './roster-entries.js';
import {
  type Claim,
  freshEntry,
  type RosterChange,
  type RosterConflict,
  type RosterItem,
  type RosterSource,
  snapshot,
} from './roster-entry.js';

/** Known pins: pseudonym key (wire/text.ts pseudonymKey) to user id hex. */
export type PinLookup =
  | ReadonlyMap<string, string>
  | ((pseudonymKey: string) => string | undefined);

/**
 * Known pins by look-alike key (wire/text.ts lookalikeKey): the key of a contact (or our
 * own) whose name a claim's name cannot be told from, e.g. 'mаllory' (Cyrillic а) for
 * 'mallory'.
 */
export type LookalikeLookup = (lookalikeKey: string) => string | undefined;

/**
 * An impostor reported, as the conflict that said it last. Its claim lasts while either
 * source makes it: a LAN claim until `untilMs` unless repeated (0: none), the relay's while
 * the relay lists it (`relay`): the relay does not repeat its entries, it says when they go.
 */
interface Reported {
  conflict: RosterConflict;
  untilMs: number;
  relay: boolean;
}

/** A first-seen pin; `relay` once the relay has reported that key for the pseudonym. */
interface LocalPin {
  readonly id: string;
  relay: boolean;
}

export class RosterPins {
  /** First-seen pins: pseudonym key -> user id hex. */
  private readonly localPins = new LruMap<string, LocalPin>(MAX_REMEMBERED_KEYS);
  /** Impostors already reported, by claimant key, while their claim lasts. */
  private readonly reported = new LruMap<string, Reported>(MAX_TRACKED_CONFLICTS);
  /** Names the relay reported, by look-alike key: their owner's user id hex. */
  private readonly relayNames = new LruMap<string, string>(MAX_REMEMBERED_KEYS);
  private refused = 0;
  private badNames = 0;

  /**
   * @param listed whose pins are never evicted
   * @param claimMs how long an impostor's claim lasts without being repeated
   * @param pins pins that outrank what was seen first; undefined for none
   * @param lookalikes the same pins by look-alike key; undefined for none
   */
  constructor(
    private readonly listed: ListedUsers,
    private readonly claimMs: number,
    private readonly pins: PinLookup | undefined,
    private readonly lookalikes: LookalikeLookup | undefined = undefined,
  ) {}

  /** Claims refused because the key differs from the pseudonym's pin. */
  get conflictCount(): number {
    return this.refused;
  }

  /** LAN claims dropped because the relay would refuse their name. */
  get badNameCount(): number {
    return this.badNames;
  }

  /**
   * A conflict change if `id` claims a pseudonym pinned to another key, or (from the LAN)
   * one that looks like a pinned name or a name the relay reported; [] for a LAN claim
   * dropped for its name (badName); else null: the claim may be listed.
   */
  check(id: string, claim: Claim, now: number): RosterChange[] | null {
    const name = pseudonymKey(claim.card.pseudonym);
    const external = this.external(name);
    // Without an owner's pin on the exact name, one on a name it looks like decides.
    const pinned = external ?? this.lookalikeOwner(id, claim) ?? this.localPins.peek(name)?.id;
    if (pinned !== undefined && pinned !== id) {
      return this.refuse(
        id,
        snapshot(id, freshEntry(claim, now, null)),
        pinned,
        claim.source,
        now + this.claimMs,
      );
    }
    if (this.badName(id, claim, external)) return [];
    this.admitted(id, name, claim.source);
    if (claim.source === 'relay') {
      const key = lookalikeKey(claim.card.pseudonym);
      this.relayNames.set(key, id, (_k, owner) => this.listed.has(owner));
    }
    const local = this.localPins.peek(name);
    if (external === undefined && local === undefined) {
      // First sight of this pseudonym: pin it. Pins of listed users are never evicted.
      const pin: LocalPin = { id, relay: claim.source === 'relay' };
      this.localPins.set(name, pin, (_k, p) => this.listed.has(p.id));
    } else if (claim.source === 'relay' && local?.id === id) {
      local.relay = true;
    }
    return null;
  }

  /**
   * The relay reports `id` for a pseudonym whose first-seen pin names another key
   * that only the LAN vouched for (no owner's pin): `id` takes the pin, and the
   * former holder's id is returned so the caller can unlist it and call demote().
   * Null when nothing moves.
   */
  relayTakeover(id: string, claim: Claim): string | null {
    if (claim.source !== 'relay') return null;
    const name = pseudonymKey(claim.card.pseudonym);
    if (this.external(name) !== undefined) return null;
    const local = this.localPins.peek(name);
    if (local === undefined || local.id === id || local.relay) return null;
    this.localPins.set(name, { id, relay: true }, (_k, p) => this.listed.has(p.id));
    return local.id;
  }

  /**
   * The look-alike key of the name the relay reports in `claim`, when the relay had not
   * reported it for that key before: LAN claimants listed under a look-alike of it before
   * it was known are checked again (Roster.recheckNames). Null otherwise.
   */
  newRelayName(id: string, claim: Claim): string | null {
    if (claim.source !== 'relay') return null;
    const key = lookalikeKey(claim.card.pseudonym);
    return this.relayNames.peek(key) === id ? null : key;
  }

  /**
   * Whose name a listed LAN claim's name looks like now, when that is another key (a
   * contact pinned, or a name the relay reported, since the claim was listed): what check()
   * would refuse it for today. Undefined when its own exact name is pinned to its key.
   */
  lookalikeClaimed(id: string, item: RosterItem): string | undefined {
    if (this.external(pseudonymKey(item.pseudonym)) === id) return undefined;
    return this.lookalikeOwner(id, { source: 'lan', card: item.card });
  }

  /**
   * The LAN claimant a relay-registered user outranked (`item`, as it was listed)
   * is now an impostor against `pinnedId`: reported as a conflict like any other,
   * its claim lasting until its LAN deadline.
   */
  demote(item: RosterItem, pinnedId: string, now: number): RosterChange[] {
    const untilMs = item.expiresAtMs ?? now + this.claimMs;
    return this.refuse(item.userIdHex, item, pinnedId, 'lan', untilMs);
  }

  /**
   * True, counting it, for a LAN claim to a name the relay would refuse at registration
   * (newPseudonymProblem: mixed scripts, a disallowed character, a leading '-', '/', '@'
   * or '#'), unless that key is vouched for under that name: pinned to it by the owner
   * (`external`: a contact whose name was registered before today's rules) or reported by
   * the relay. Checked after the pins, so an impostor of a contact is still told.
   */
  private badName(id: string, claim: Claim, external: string | undefined): boolean {
    if (claim.source !== 'lan' || newPseudonymProblem(claim.card.pseudonym) === null) return false;
    const local = this.localPins.peek(pseudonymKey(claim.card.pseudonym));
    if (external === id || (local?.id === id && local.relay)) return false;
    this.badNames++;
    return true;
  }

  /**
   * Whose name a LAN claim's name looks like: a known pin's (a contact, ourselves) or a
   * name the relay reported. The relay refuses such look-alikes at registration, so
   * another key under one is an impostor, as under the exact name. Relay claims are
   * the relay's word and are not checked here.
   */
  private lookalikeOwner(id: string, claim: Pick<Claim, 'source' | 'card'>): string | undefined {
    if (claim.source !== 'lan') return undefined;
    const key = lookalikeKey(claim.card.pseudonym);
    const owner = this.lookalikes?.(key) ?? this.relayNames.peek(key);
    // Its own key under a look-alike of its name (the contact's 'Mallory' or 'rnallory'):
    // the exact name's pins decide as before.
    return owner === id ? undefined : owner;
  }

  private external(name: string): string | undefined {
    return typeof this.pins === 'function' ? this.pins(name) : this.pins?.get(name);
  }

  /**
   * A claim refused: a LAN claim lasts until `untilMs`, the relay's until the relay drops it
   * (relayDropped), whichever source said it last.
   */
  private refuse(
    id: string,
    item: RosterItem,
    pinned: string,
    source: RosterSource,
    untilMs: number,
  ): RosterChange[] {
    this.refused++;
    const previous = this.reported.peek(id);
    const conflict: RosterConflict = {
      type: 'conflict',
      item,
      reason: 'pinned-key-mismatch',
      pinnedUserIdHex: pinned,
    };
    this.reported.set(id, {
      conflict,
      untilMs: source === 'lan' ? untilMs : (previous?.untilMs ?? 0),
      relay: source === 'relay' || previous?.relay === true,
    });
    // Report each impostor claim once while it lasts, not on every heartbeat.
    if (previous !== undefined && previous.conflict.item.pseudonym === item.pseudonym) return [];
    return [conflict];
  }

  /** The key said BYE: its LAN claim, if any, ends now (the relay's lasts while listed). */
  forget(id: string): void {
    const r = this.reported.peek(id);
    if (r?.relay === true) r.untilMs = 0;
    else this.reported.delete(id);
  }

  /**
   * The relay no longer lists `id` (it left, or the link went): the relay's claim, if any,
   * ends now; a LAN claim lasts until its own deadline.
   */
  relayDropped(id: string): void {
    const r = this.reported.peek(id);
    if (r === undefined || !r.relay) return;
    if (r.untilMs === 0) this.reported.delete(id);
    else r.relay = false;
  }

  /** The keys whose claims the relay makes now. */
  relayClaimants(): string[] {
    return [...this.reported.entries()].filter(([, r]) => r.relay).map(([id]) => id);
  }

  /** Forgets impostor claims that have lapsed. */
  expire(now: number): void {
    for (const [id, r] of [...this.reported.entries()]) {
      if (!r.relay && r.untilMs <= now) this.reported.delete(id);
    }
  }

  /** Impostors currently claiming a pinned pseudonym. */
  conflicts(): RosterItem[] {
    return [...this.reported.values()].map((c) => c.conflict.item);
  }

  /**
   * The claims still lasting at `now`, each as the conflict that reported it: what a list
   * asked for later says (`who` through a running client), not only what was heard since.
   */
  claims(now: number): RosterConflict[] {
    return [...this.reported.values()]
      .filter((r) => r.relay || r.untilMs > now)
      .map((r) => r.conflict);
  }

  /**
   * `id` was admitted under `name`: a claim of theirs reported under that name is no
   * impostor's any more (a contact re-pinned by trust()); the relay, listing them under
   * another name now, makes no claim to the old one.
   */
  private admitted(id: string, name: string, source: RosterSource): void {
    const r = this.reported.peek(id);
    if (r === undefined) return;
    if (pseudonymKey(r.conflict.item.pseudonym) === name) this.reported.delete(id);
    else if (source === 'relay') this.relayDropped(id);
  }
}
