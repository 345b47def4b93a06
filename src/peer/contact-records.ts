/**
 * What contacts.ts keeps per contact, as stored (the JSON of its records, frozen:
 * STYLE.md §11), and the small pure helpers over those records: cards to and from
 * records, pending keys, safety numbers as typed, store keys.
 */
import { fingerprint } from '../crypto/keys.js';
import { safetyNumber } from '../crypto/safety.js';
import { bytesEqual, fromHex, toHex, utf8 } from '../util/bytes.js';
import type { NatterError } from '../util/errors.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card } from '../wire/types.js';
import { PeerCode, peerError } from './errors.js';
import type { ContactInfo, PendingKey } from './events.js';
import { PREFIX } from './store.js';

/**
 * Changed keys kept per contact while one is pending. Anyone who can show us cards (a
 * relay, a proxy on the link) can mint identities at will; each kept key is stored in the
 * contact's record and costs a safety-number computation (~10 ms) when listed. Past this,
 * the oldest key after the first is forgotten: the first is the one the user was told
 * about first, and the newest is the latest news.
 */
export const MAX_PENDING_KEYS = 8;

/** Digits in a safety number (crypto/safety.ts: 12 groups of 5). */
export const SAFETY_NUMBER_DIGITS = 60;

export interface StoredCard {
  pseudonym: string;
  userId: string;
  boxPk: string;
  /** The card's signature, hex (a box-key-only one in records from before protocol 2's cards). */
  boxSig: string;
}

export interface StoredPending extends StoredCard {
  seenAtMs: number;
}

/**
 * One contact under v1!contact!. `pending` is the first changed card, as records
 * written before issue 10 hold it (so they load unchanged, and an older client
 * reading a newer record still sees a change pending); `laterPending` holds the
 * changes that came after it, oldest first, and is absent when there are none.
 */
export interface StoredContact extends StoredCard {
  verified: boolean;
  addedAtMs: number;
  pending?: StoredPending;
  laterPending?: StoredPending[];
  /**
   * The contact renamed themselves to this name (contacts.ts): this record keeps the old name
   * pinned to their keys, so what is written to it reaches them, never whoever registers it.
   */
  renamedTo?: string;
  /**
   * The relay confirmed that rename (the new name's card came from a lookup or the roster,
   * not only with mail): the old name is free, and a new key under it is a new person.
   */
  renameConfirmed?: boolean;
}

/** An old name the relay confirmed its holder left: no longer pinned to their keys. */
export const nameLeft = (c: StoredContact): boolean =>
  c.renamedTo !== undefined && c.renameConfirmed === true;

/** A record as the contact it is now: not an old name of theirs (renamedTo). */
export const isCurrent = (c: StoredContact): boolean => c.renamedTo === undefined;

export interface Contact {
  pseudonym: string;
  card: Card;
  verified: boolean;
  /** The newest changed card waiting for trust(), if any. */
  pending: Card | null;
  /** An old name its holder left (nameLeft): it pins no key, anyone may take it. */
  nameLeft?: true;
}

/** What observing a card meant. 'changed' is new news; 'pending' is a card already held. */
export type Observation = 'known' | 'new' | 'changed' | 'pending';

/** What trust() did. */
export interface TrustOutcome {
  contact: Contact;
  info: ContactInfo;
  /** True when a pending key was accepted (and is now the pinned one). */
  accepted: boolean;
  /** The other pending keys, forgotten: they were not the one compared. */
  discarded: PendingKey[];
}

export const toStored = (card: Card): StoredCard => ({
  pseudonym: card.pseudonym,
  userId: toHex(card.userId),
  boxPk: toHex(card.boxPk),
  boxSig: toHex(card.cardSig),
});

export const fromStored = (s: StoredCard): Card => ({
  pseudonym: s.pseudonym,
  userId: fromHex(s.userId),
  boxPk: fromHex(s.boxPk),
  cardSig: fromHex(s.boxSig),
});

export const cardOf = ({ pseudonym, userId, boxPk, boxSig }: StoredCard): StoredCard => ({
  pseudonym,
  userId,
  boxPk,
  boxSig,
});

export const sameKeys = (a: StoredCard, b: StoredCard) =>
  a.userId === b.userId && a.boxPk === b.boxPk;

/** Every pending card of a record, oldest first. */
export const pendingOf = (c: StoredContact): StoredPending[] =>
  c.pending === undefined ? [] : [c.pending, ...(c.laterPending ?? [])];

/** `c` with exactly `list` pending (fields absent, not undefined, when there are none). */
export function withPending(c: StoredContact, list: StoredPending[]): StoredContact {
  const { pending: _first, laterPending: _later, ...rest } = c;
  const [first, ...later] = list;
  if (first === undefined) return rest;
  return later.length === 0
    ? { ...rest, pending: first }
    : { ...rest, pending: first, laterPending: later };
}

/**
 * A safety number as typed or pasted: 60 digits, with or without spaces (or other
 * separators people copy along), as 12 groups of 5; null when it is not one.
 */
export function parseSafetyNumber(text: string): string | null {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits) || digits.length !== SAFETY_NUMBER_DIGITS) return null;
  return (digits.match(/.{5}/g) ?? []).join(' ');
}

/** The safety number the user compared, as trust() takes it; else E_BAD_SAFETY_NUMBER. */
export function comparedNumber(compared: string): string {
  const wanted = parseSafetyNumber(compared);
  if (wanted !== null) return wanted;
  throw peerError(
    PeerCode.BadSafetyNumber,
    `trust: a safety number is ${SAFETY_NUMBER_DIGITS} digits (spaces allowed)`,
  );
}

/** Store keys are ASCII: the name is hex-encoded, so any pseudonym sorts and ranges safely. */
export const contactKey = (name: string) => PREFIX.contact + toHex(utf8(pseudonymKey(name)));

/** True when `card` is the key pinned for its pseudonym (not a pending or unknown one). */
export function isPinned(contact: Contact | undefined, card: Card): boolean {
  return (
    contact !== undefined &&
    bytesEqual(contact.card.userId, card.userId) &&
    bytesEqual(contact.card.boxPk, card.boxPk)
  );
}

/** The contact as the core hands it out: its pinned card, and the newest pending one. */
export function toContact(c: StoredContact): Contact {
  const newest = pendingOf(c).at(-1);
  return {
    pseudonym: c.pseudonym,
    card: fromStored(c),
    verified: c.verified,
    pending: newest === undefined ? null : fromStored(newest),
    ...(nameLeft(c) ? { nameLeft: true } : {}),
  };
}

/**
 * trust() accepted nothing for `who`: the number compared is no pending key's (`pending` of
 * them), or the pinned key's when none is pending; `ofOldKey`: it is the pinned key's.
 */
export function mismatch(who: string, pending: number, ofOldKey: boolean): NatterError {
  const why =
    pending === 0
      ? `it is not the safety number of ${who}'s key (did it change while you compared?)`
      : ofOldKey
        ? `it is the number of ${who}'s old key, and ${pending} changed key(s) are pending`
        : `it is the number of none of ${who}'s ${pending} pending key(s) (did one arrive while you compared?)`;
  return peerError(
    PeerCode.SafetyNumberMismatch,
    `trust: nothing accepted for '${who}': ${why}; compare the numbers again`,
  );
}

/** The safety number `me` shares with the key of `card`. */
export const numberWith = (me: Uint8Array, card: StoredCard): string =>
  safetyNumber(me, fromHex(card.userId));

/** The key whose safety number with `me` is `wanted`: a pending one (the newest) while any is. */
export function keyCompared(me: Uint8Array, c: StoredContact, wanted: string) {
  const pending = pendingOf(c);
  if (pending.length === 0) return numberWith(me, c) === wanted ? c : undefined;
  return pending.findLast((p) => numberWith(me, p) === wanted);
}

/** A changed key waiting for trust(), as the UI sees it. */
export function pendingKeyOf(me: Uint8Array, p: StoredPending): PendingKey {
  return {
    userId: p.userId,
    fingerprint: fingerprint(fromHex(p.userId)),
    safetyNumber: numberWith(me, p),
    seenAtMs: p.seenAtMs,
  };
}

/** A contact as the UI sees it; `renamedTo`: the name an old name of theirs leads to. */
export function contactInfo(
  me: Uint8Array,
  c: StoredContact,
  renamedTo: string | undefined,
): ContactInfo {
  const pending = pendingOf(c);
  return {
    pseudonym: c.pseudonym,
    userId: c.userId,
    fingerprint: fingerprint(fromHex(c.userId)),
    verified: c.verified,
    keyChanged: pending.length > 0,
    pendingKeys: pending.map((p) => pendingKeyOf(me, p)),
    ...(renamedTo === undefined ? {} : { renamedTo }),
    ...(nameLeft(c) ? { nameLeft: true } : {}),
  };
}
