/**
 * Who is registered on this relay: user id -> card, pseudonym key -> user id.
 * Held in memory (a LAN has hundreds of users, not millions) and written
 * through to LevelDB with `sync: true` before a registration is confirmed.
 *
 * Registration is atomic (issue 8, finding 3): a name is reserved in memory
 * before its write starts and released if the write fails, so two identities
 * racing for one name cannot both be told yes; an identity has at most one
 * registration in flight, so it cannot end up holding two names. The name index
 * is keyed by `lookalikeKey`, which folds case and look-alike characters; a new
 * name must also be free under `blindKey` (name-owners.ts), which
 * ignores punctuation, invisible characters and diacritics too.
 */
import { verifyCard } from '../crypto/card.js';
import { toHex } from '../util/bytes.js';
import type { Logger } from '../util/logger.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { lookalikeKey, pseudonymKey } from '../wire/text.js';
import type { Card } from '../wire/types.js';
import { SessionCode } from './errors.js';
import { NameOwners } from './name-owners.js';
import { type RelayStore, type StoreRefusal, scan } from './store/index.js';

/** The standalone directory's keys: one per registered user. */
export const USER_PREFIX = 'u1!';
/** The name index of earlier versions; rebuilt from the cards at open, so no longer stored. */
const LEGACY_NAME_PREFIX = 'n1!';

// Cards are stored as an encoded lookup-result frame: the codec validates them on the way back in.
export function encodeCard(card: Card): Uint8Array {
  return encodeFrame({ type: 'lookup-result', requestId: 0, card, online: false });
}

export function decodeCard(bytes: Uint8Array): Card | null {
  try {
    const f = decodeFrame(bytes);
    return f.type === 'lookup-result' ? f.card : null;
  } catch {
    return null;
  }
}

export type ReserveRefusal = {
  code: typeof SessionCode.PseudonymTaken | typeof SessionCode.RegistrationBusy;
  message: string;
};

/** A name held for one identity while its registration is written. */
export interface Reservation {
  readonly card: Card;
  readonly idHex: string;
  readonly nameKey: string;
}

/** The directory as the relay's handlers use it: LevelDB (Directory) or a NATS cluster (cluster/directory.ts). */
export interface DirectoryStore {
  readonly size: number;
  byUserId(idHex: string): Card | undefined;
  byPseudonym(name: string): Card | undefined;
  reserve(card: Card): Reservation | ReserveRefusal;
  /**
   * Writes a reserved card durably, then publishes it; releases the reservation
   * either way. A user who registers a new pseudonym gives up the old one.
   * Resolves null once stored, or with why not (a store refusal, or, in a
   * cluster, the name taken meanwhile on another relay).
   */
  commit(r: Reservation): Promise<StoreRefusal | ReserveRefusal | null>;
  open(): Promise<void>;
}

/**
 * The in-memory half every directory shares: the maps, and the reservations
 * that make registration atomic within this process. Subclasses own where the
 * cards are kept (`persist`) and fill the maps from there.
 */
export abstract class DirectoryMaps implements DirectoryStore {
  private readonly byId = new Map<string, Card>();
  private readonly byName = new Map<string, string>();
  /** Names being registered: name key -> user id hex. */
  private readonly reservedNames = new Map<string, string>();
  /** Identities with a registration in flight. */
  private readonly reservedIds = new Set<string>();
  /** Registered names, and names being registered, by separator-blind key. */
  private readonly blind = new NameOwners();
  private readonly reservedBlind = new NameOwners();

  abstract open(): Promise<void>;

  /** Stores the reserved card where the directory lives; null once durable. */
  protected abstract persist(r: Reservation): Promise<StoreRefusal | ReserveRefusal | null>;

  get size(): number {
    return this.byId.size;
  }

  byUserId(idHex: string): Card | undefined {
    return this.byId.get(idHex);
  }

  byPseudonym(name: string): Card | undefined {
    const idHex = this.byName.get(lookalikeKey(name));
    return idHex === undefined ? undefined : this.byId.get(idHex);
  }

  /**
   * Holds the card's pseudonym for its identity until `commit` settles, or says
   * why not: the name is owned or being registered by another identity, or this
   * identity already has a registration in flight. Synchronous, so nothing can
   * slip between the check and the hold.
   */
  reserve(card: Card): Reservation | ReserveRefusal {
    const idHex = toHex(card.userId);
    const nameKey = lookalikeKey(card.pseudonym);
    if (this.reservedIds.has(idHex)) {
      return {
        code: SessionCode.RegistrationBusy,
        message: 'register: this identity already has a registration in progress',
      };
    }
    // The name this identity holds already (another case at most) is never refused for a
    // look-alike registered beside it before separators were ignored.
    const current = this.byId.get(idHex);
    const renewing =
      current !== undefined && pseudonymKey(current.pseudonym) === pseudonymKey(card.pseudonym);
    const owner = [
      this.byName.get(nameKey),
      this.reservedNames.get(nameKey),
      renewing ? undefined : this.blind.otherOwner(card.pseudonym, idHex),
      renewing ? undefined : this.reservedBlind.otherOwner(card.pseudonym, idHex),
    ].find((o) => o !== undefined && o !== idHex);
    if (owner !== undefined) return taken(card.pseudonym, this.byId.get(owner)?.pseudonym);
    this.reservedIds.add(idHex);
    this.reservedNames.set(nameKey, idHex);
    this.reservedBlind.add(card.pseudonym, idHex);
    return { card, idHex, nameKey };
  }

  async commit(r: Reservation): Promise<StoreRefusal | ReserveRefusal | null> {
    try {
      const refused = await this.persist(r);
      if (refused) return refused;
      this.publish(r.idHex, r.card);
      return null;
    } finally {
      this.reservedIds.delete(r.idHex);
      if (this.reservedNames.get(r.nameKey) === r.idHex) this.reservedNames.delete(r.nameKey);
      this.reservedBlind.remove(r.card.pseudonym, r.idHex);
    }
  }

  /** Makes `card` the user's card, and its name the user's (the old one is released). */
  protected publish(idHex: string, card: Card): void {
    const old = this.byId.get(idHex);
    if (old) {
      const oldKey = lookalikeKey(old.pseudonym);
      if (this.byName.get(oldKey) === idHex) this.byName.delete(oldKey);
      this.blind.remove(old.pseudonym, idHex);
    }
    this.byId.set(idHex, card);
    this.byName.set(lookalikeKey(card.pseudonym), idHex);
    this.blind.add(card.pseudonym, idHex);
  }

  /** Forgets every card (before the maps are filled again). */
  protected clear(): void {
    this.byId.clear();
    this.byName.clear();
    this.blind.clear();
  }

  /**
   * Adds a card read back from the store. Names that fold to one key keep the
   * first owner added; the others can still log in by their id. False on such a clash.
   */
  protected add(idHex: string, card: Card): boolean {
    this.byId.set(idHex, card);
    this.blind.add(card.pseudonym, idHex);
    const nameKey = lookalikeKey(card.pseudonym);
    if (this.byName.has(nameKey)) return false;
    this.byName.set(nameKey, idHex);
    return true;
  }
}

/**
 * The refusal for a name another identity holds: `holder`, the name as registered, when
 * known and spelled otherwise (another case, a look-alike letter), so that the refusal
 * says which name it is too like (LOOKS_LIKE: a client quotes it).
 */
export function taken(pseudonym: string, holder?: string): ReserveRefusal {
  const message =
    holder === undefined
      ? `register: '${pseudonym}' is already taken (or looks like a taken name)`
      : holder === pseudonym
        ? `register: '${pseudonym}' is already taken`
        : `register: '${pseudonym}' ${LOOKS_LIKE} '${holder}', a name taken on this relay`;
  return { code: SessionCode.PseudonymTaken, message };
}

/** The words before the holder's name in a look-alike refusal. */
export const LOOKS_LIKE = 'looks too much like';

/** The embedded directory: cards in LevelDB under u1!, written with `sync: true`. */
export class Directory extends DirectoryMaps {
  constructor(
    private readonly store: RelayStore,
    private readonly log: Logger,
  ) {
    super();
    store.onReopen(() => this.load());
  }

  async open(): Promise<void> {
    await this.load();
    const legacy: string[] = [];
    const range = { gt: LEGACY_NAME_PREFIX, lt: `${LEGACY_NAME_PREFIX}~` };
    for await (const [key] of scan(this.store.kv, range)) legacy.push(key);
    if (legacy.length > 0) {
      await this.store.kv.write(
        legacy.map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      );
    }
  }

  protected persist(r: Reservation): Promise<StoreRefusal | null> {
    const value = encodeCard(r.card);
    return this.store.write([{ type: 'put', key: USER_PREFIX + r.idHex, value }], {
      sync: true,
      bytes: value.length + USER_PREFIX.length + r.idHex.length,
    });
  }

  /**
   * (Re)builds the maps from the store. Names that fold to one key (registered
   * before look-alike folding, or by the race this module now prevents) keep
   * the first owner in key order; the others can still log in by their id.
   */
  private async load(): Promise<void> {
    this.clear();
    let clashes = 0;
    let unsigned = 0;
    for await (const [key, value] of scan(this.store.kv, {
      gt: USER_PREFIX,
      lt: `${USER_PREFIX}~`,
    })) {
      const card = decodeCard(value);
      if (card === null) continue;
      if (!verifyCard(card)) unsigned++;
      if (!this.add(key.slice(USER_PREFIX.length), card)) clashes++;
    }
    if (unsigned > 0) {
      // Registered before the card signature covered the name (its field held a
      // box-key signature): clients refuse these cards until the owner logs in
      // again and the Login card replaces it (handlers/auth.ts).
      this.log.warn('registered cards without a card signature; replaced at next login', {
        unsigned,
      });
    }
    if (clashes > 0) {
      this.log.warn('registered names that fold together; the first owner keeps the name', {
        clashes,
      });
    }
  }
}
