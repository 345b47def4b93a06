/**
 * Contacts pinned on first use (DESIGN.md §3). The first card seen for a
 * pseudonym, in either direction (a lookup before sending, or a message
 * received), is pinned. A later card for that pseudonym with a different user id
 * or box key is a key change: it is kept as pending, "verified" is cleared, and
 * the owner holds traffic both ways until the user accepts it with trust().
 * Nothing ever switches to a new key silently. A card for an unknown name with
 * exactly a contact's keys (signed over that name) is that contact renamed: the pin and
 * its verification move to the new name, and what is written to the old name goes to the
 * new one (currentName); list() marks it. Once the relay confirmed the rename (the new
 * name's card came from a lookup or the roster, not only with mail: nameLeft) the old name
 * pins no key: a card of someone else under it is a new person, not a key change (a QA
 * trial met `bob's KEY CHANGED` for whoever registered the freed name), and the history of
 * the old name's conversation moves to the new name's (NameLeaves). Until then it stays
 * pinned to their keys, and another key under it is a key change, as under any name.
 *
 * Every further change while one is pending is kept beside it and announced on
 * its own (issue 10, finding 2: a single pending slot let a card pushed while the
 * user compared safety numbers take the place of the one compared). trust() takes
 * the safety number the user compared and accepts only the pending key it belongs to.
 *
 * Every card is checked before it is observed: its signature must cover its user
 * id, its pseudonym and its box key (crypto/card.ts). A record keeps the signature
 * its card came with under the JSON name `boxSig` (stored keys are frozen): in
 * records written before that signature existed it is a box-key-only signature.
 * Nothing re-verifies a stored record (the pin is the keys, trusted on first use);
 * the next verified card with the same keys and name replaces it (docs/decisions.md).
 */
import { verifyCard } from '../crypto/card.js';
import { fingerprint } from '../crypto/keys.js';
import { safetyNumber } from '../crypto/safety.js';
import { fromHex, toHex } from '../util/bytes.js';
import { type Clock, systemClock } from '../util/clock.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card } from '../wire/types.js';
import {
  type Contact,
  cardOf,
  comparedNumber,
  contactInfo,
  contactKey,
  isCurrent,
  keyCompared,
  MAX_PENDING_KEYS,
  mismatch,
  nameLeft,
  numberWith,
  type Observation,
  pendingKeyOf,
  pendingOf,
  type StoredCard,
  type StoredContact,
  sameKeys,
  type TrustOutcome,
  toContact,
  toStored,
  withPending,
} from './contact-records.js';
import { confirmedRenames, currentOf, formerOf, renameRecords } from './contact-renames.js';
import { PeerCode, peerError } from './errors.js';
import type { ContactInfo, PeerEvents } from './events.js';
import type { NameLeaves } from './messaging/history-move.js';
import { type KvOp, type PeerStore, PREFIX, putJson } from './store.js';

export {
  type Contact,
  MAX_PENDING_KEYS,
  type Observation,
  parseSafetyNumber,
  type TrustOutcome,
} from './contact-records.js';

export class Contacts {
  private readonly byName = new Map<string, StoredContact>();

  private constructor(
    private readonly store: PeerStore,
    private readonly events: PeerEvents,
    private readonly me: Uint8Array,
    private readonly clock: Clock,
    private readonly leaves: NameLeaves | undefined,
  ) {}

  /** `leaves`: told of each name the relay confirmed a contact left (history-move.ts). */
  static async load(
    store: PeerStore,
    events: PeerEvents,
    me: Uint8Array,
    clock: Clock = systemClock,
    leaves?: NameLeaves,
  ): Promise<Contacts> {
    const contacts = new Contacts(store, events, me, clock, leaves);
    for await (const [, c] of store.scan<StoredContact>(PREFIX.contact)) {
      contacts.byName.set(pseudonymKey(c.pseudonym), c);
    }
    return contacts;
  }

  get(name: string): Contact | undefined {
    const c = this.byName.get(pseudonymKey(name));
    return c === undefined ? undefined : toContact(c);
  }

  /** The contact currently pinned to this user id (pending keys do not count). */
  byUserId(userId: Uint8Array): Contact | undefined {
    const hex = toHex(userId);
    const all = [...this.byName.values()].filter((c) => c.userId === hex);
    const c = all.find(isCurrent) ?? all[0];
    return c === undefined ? undefined : toContact(c);
  }

  /** The name a contact goes by now: `name`, or the one they renamed themselves to. */
  currentName(name: string): string {
    return currentOf(this.byName, name)?.pseudonym ?? name;
  }

  /** Contacts, and old names of contacts who renamed themselves (`renamedTo`). */
  list(): ContactInfo[] {
    return [...this.byName.values()]
      .sort((a, b) => pseudonymKey(a.pseudonym).localeCompare(pseudonymKey(b.pseudonym)))
      .map((c) => this.info(c));
  }

  /**
   * TOFU: pins an unknown pseudonym's card, or detects a key change. The card must be
   * signed by its user id over exactly its user id, pseudonym and box key; any other card
   * (unsigned, or re-labelled with another name) is refused (E_BAD_CARD), not pinned.
   * A change while others are pending joins them and is announced like the first.
   * `delivered`: the card came with mail, so it may be older than what the relay says now.
   */
  async observe(card: Card, opts: { delivered?: boolean } = {}): Promise<Observation> {
    if (!verifyCard(card)) {
      throw peerError(
        PeerCode.BadCard,
        `contacts: the card for '${card.pseudonym}' is not signed by its key as it reads`,
      );
    }
    const seen = toStored(card);
    const name = pseudonymKey(card.pseudonym);
    const existing = this.byName.get(name);
    const relaySays = opts.delivered !== true;
    // A name its holder left (the relay confirmed it): whoever holds it now is someone new.
    if (existing === undefined || (nameLeft(existing) && !sameKeys(existing, seen))) {
      const former = formerOf(this.byName, seen);
      if (former !== undefined) return this.renamed(former, seen, relaySays);
      const contact: StoredContact = { ...seen, verified: false, addedAtMs: this.clock.now() };
      this.byName.set(name, contact);
      await this.store.write([putJson(contactKey(card.pseudonym), contact)]);
      this.events.emit('contact:new', this.info(contact));
      return 'new';
    }
    if (sameKeys(existing, seen)) {
      // Back under a name they had left (the relay says so: a card that came with mail may
      // be older than their latest name): the pin follows them back from their latest one.
      if (existing.renamedTo !== undefined && relaySays) {
        return this.renamed(formerOf(this.byName, seen) ?? existing, seen, true);
      }
      if (relaySays) await this.confirmRenames(existing);
      await this.refreshSignature(existing, seen);
      return 'known';
    }
    const pending = pendingOf(existing);
    if (pending.some((p) => sameKeys(p, seen))) return 'pending';
    pending.push({ ...seen, seenAtMs: this.clock.now() });
    if (pending.length > MAX_PENDING_KEYS) pending.splice(1, 1);
    const updated = withPending({ ...existing, verified: false }, pending);
    this.byName.set(name, updated);
    await this.store.write([putJson(contactKey(card.pseudonym), updated)]);
    this.events.emit('contact:key-changed', {
      pseudonym: existing.pseudonym,
      oldFingerprint: fingerprint(fromHex(existing.userId)),
      newFingerprint: fingerprint(card.userId),
      newUserId: seen.userId,
      safetyNumber: safetyNumber(this.me, card.userId),
      pendingKeys: pending.length,
    });
    return 'changed';
  }

  /** A contact's own keys signed over a new name (`natter rename`): the pin follows, see above. */
  private async renamed(
    former: StoredContact,
    seen: StoredCard,
    confirmed: boolean,
  ): Promise<Observation> {
    const { old, moved } = renameRecords(former, seen, confirmed);
    this.byName.set(pseudonymKey(former.pseudonym), old);
    this.byName.set(pseudonymKey(seen.pseudonym), moved);
    await this.writeLeaving(
      [putJson(contactKey(former.pseudonym), old), putJson(contactKey(seen.pseudonym), moved)],
      confirmed ? [[former, seen.pseudonym]] : [],
    );
    this.events.emit('contact:renamed', {
      from: former.pseudonym,
      to: seen.pseudonym,
      contact: this.info(moved),
    });
    return 'known';
  }

  /** The relay vouches for `current`'s name: the old names they left for it are free now. */
  private async confirmRenames(current: StoredContact): Promise<void> {
    const left = confirmedRenames(this.byName, current);
    if (left.length === 0) return;
    for (const c of left) this.byName.set(pseudonymKey(c.pseudonym), c);
    await this.writeLeaving(
      left.map((c) => putJson(contactKey(c.pseudonym), c)),
      left.map((c): [StoredContact, string] => [c, current.pseudonym]),
    );
  }

  /** Writes `ops` with the moves of history (contact → name) that names left ask (NameLeaves). */
  private async writeLeaving(ops: KvOp[], left: [StoredContact, string][]): Promise<void> {
    const moves = left.flatMap(([c, to]) => this.leaves?.ops(c.pseudonym, to, c.userId) ?? []);
    await this.store.write([...ops, ...moves]);
    if (moves.length > 0) this.leaves?.written();
  }

  /**
   * The pinned card seen again, verified, with another signature under the same
   * name: a record from before protocol 2's card signature. Keep the new one, so the
   * record holds a signature that covers its name. Nothing else changes.
   */
  private async refreshSignature(existing: StoredContact, seen: StoredCard): Promise<void> {
    if (existing.boxSig === seen.boxSig || existing.pseudonym !== seen.pseudonym) return;
    const updated: StoredContact = { ...existing, boxSig: seen.boxSig };
    this.byName.set(pseudonymKey(existing.pseudonym), updated);
    await this.store.write([putJson(contactKey(existing.pseudonym), updated)]);
  }

  /**
   * Cards from the relay's roster: they reveal a key change (or a new name) of a known
   * contact early. Strangers are not pinned from a roster (only when we talk to them).
   */
  async observeKnown(cards: Card[]): Promise<void> {
    const pinned = new Set([...this.byName.values()].map((c) => c.userId));
    for (const card of cards) {
      const hex = toHex(card.userId);
      const known = this.byName.get(pseudonymKey(card.pseudonym));
      // An old name of a contact, now someone else's, is no news of the contact: not from
      // a roster (a message under it is still a key change, held).
      if (known?.renamedTo !== undefined && known.userId !== hex) continue;
      if (known !== undefined || pinned.has(hex)) await this.observe(card).catch(() => undefined);
    }
  }

  /**
   * The user's decision after comparing `compared`, the safety number they read with the
   * contact. While keys are pending, it accepts the pending key that number belongs to (the
   * newest, if two cards share its user id), forgets the old key and the other pending ones,
   * and marks the contact verified; with none pending, it marks the pinned key verified.
   * E_SAFETY_NUMBER_MISMATCH when it is no such key's number (the key changed while the user
   * compared), E_BAD_SAFETY_NUMBER when it is not a safety number, E_UNKNOWN_CONTACT if none.
   */
  async trust(name: string, compared: string): Promise<TrustOutcome> {
    const existing = this.byName.get(pseudonymKey(name));
    if (existing === undefined) {
      throw peerError(PeerCode.UnknownContact, `trust: '${name}' is not a contact`);
    }
    const wanted = comparedNumber(compared);
    const pending = pendingOf(existing);
    const chosen = keyCompared(this.me, existing, wanted);
    if (chosen === undefined)
      throw mismatch(existing.pseudonym, pending.length, wanted === numberWith(this.me, existing));
    // A key accepted under an old name of someone: the name is that key's now, and, another
    // key's, what its conversation holds is the contact's, under their name now.
    const { renamedTo: _, renameConfirmed: _confirmed, ...rest } = withPending(existing, []);
    const updated: StoredContact = { ...rest, ...cardOf(chosen), verified: true };
    const left = existing.renamedTo === undefined || sameKeys(existing, chosen) ? [] : [existing];
    const moves = left.map((c): [StoredContact, string] => [c, this.latestName(c)]);
    this.byName.set(pseudonymKey(name), updated);
    await this.writeLeaving([putJson(contactKey(existing.pseudonym), updated)], moves);
    const info = this.info(updated);
    this.events.emit('contact:trusted', info);
    return {
      contact: toContact(updated),
      info,
      accepted: pending.length > 0,
      discarded: pending.filter((p) => p !== chosen).map((p) => pendingKeyOf(this.me, p)),
    };
  }

  /** Safety number with a contact (of the newest pending key while a change is pending). */
  safetyNumber(name: string): string {
    const c = this.byName.get(pseudonymKey(name));
    if (c === undefined) throw peerError(PeerCode.UnknownContact, `'${name}' is not a contact`);
    return numberWith(this.me, pendingOf(c).at(-1) ?? c);
  }

  /** An old name's latest successor with the same keys (else the name it was left for). */
  private latestName(c: StoredContact): string {
    const now = this.currentName(c.pseudonym);
    return now === c.pseudonym ? (c.renamedTo ?? now) : now;
  }

  private info(c: StoredContact): ContactInfo {
    const renamedTo = c.renamedTo === undefined ? undefined : this.latestName(c);
    return contactInfo(this.me, c, renamedTo);
  }
}
