/**
 * Contacts pinned on first use (DESIGN.md §3). The first card seen for a
 * pseudonym, in either direction (a lookup before sending, or a message
 * received), is pinned. A later card for that pseudonym with a different user id
 * or box key is a key change: it is kept as `pending`, "verified" is cleared, and
 * the owner holds traffic both ways until the user accepts it with trust().
 * Nothing ever switches to a new key silently.
 */
import { fingerprint, verifyBoxKey } from '../crypto/keys.js';
import { safetyNumber } from '../crypto/safety.js';
import { bytesEqual, fromHex, toHex, utf8 } from '../util/bytes.js';
import { type Clock, systemClock } from '../util/clock.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card } from '../wire/types.js';
import { PeerCode, peerError } from './errors.js';
import type { ContactInfo, PeerEvents } from './events.js';
import { type PeerStore, PREFIX, putJson } from './store.js';

interface StoredCard {
  pseudonym: string;
  userId: string;
  boxPk: string;
  boxSig: string;
}

interface StoredContact extends StoredCard {
  verified: boolean;
  addedAtMs: number;
  /** A changed card waiting for trust(). */
  pending?: StoredCard & { seenAtMs: number };
}

export interface Contact {
  pseudonym: string;
  card: Card;
  verified: boolean;
  /** The changed card waiting for trust(), if any. */
  pending: Card | null;
}

/** What observing a card meant. 'changed' is new news; 'pending' is a card already held. */
export type Observation = 'known' | 'new' | 'changed' | 'pending';

const toStored = (card: Card): StoredCard => ({
  pseudonym: card.pseudonym,
  userId: toHex(card.userId),
  boxPk: toHex(card.boxPk),
  boxSig: toHex(card.boxSig),
});

const fromStored = (s: StoredCard): Card => ({
  pseudonym: s.pseudonym,
  userId: fromHex(s.userId),
  boxPk: fromHex(s.boxPk),
  boxSig: fromHex(s.boxSig),
});

const sameKeys = (a: StoredCard, b: StoredCard) => a.userId === b.userId && a.boxPk === b.boxPk;

/** Store keys are ASCII: the name is hex-encoded, so any pseudonym sorts and ranges safely. */
const contactKey = (name: string) => PREFIX.contact + toHex(utf8(pseudonymKey(name)));

export class Contacts {
  private readonly byName = new Map<string, StoredContact>();

  private constructor(
    private readonly store: PeerStore,
    private readonly events: PeerEvents,
    private readonly me: Uint8Array,
    private readonly clock: Clock,
  ) {}

  static async load(
    store: PeerStore,
    events: PeerEvents,
    me: Uint8Array,
    clock: Clock = systemClock,
  ): Promise<Contacts> {
    const contacts = new Contacts(store, events, me, clock);
    for await (const [, c] of store.scan<StoredContact>(PREFIX.contact)) {
      contacts.byName.set(pseudonymKey(c.pseudonym), c);
    }
    return contacts;
  }

  get(name: string): Contact | undefined {
    const c = this.byName.get(pseudonymKey(name));
    return c === undefined ? undefined : this.toContact(c);
  }

  /** The contact currently pinned to this user id (pending keys do not count). */
  byUserId(userId: Uint8Array): Contact | undefined {
    const hex = toHex(userId);
    for (const c of this.byName.values()) if (c.userId === hex) return this.toContact(c);
    return undefined;
  }

  list(): ContactInfo[] {
    return [...this.byName.values()]
      .sort((a, b) => pseudonymKey(a.pseudonym).localeCompare(pseudonymKey(b.pseudonym)))
      .map((c) => this.info(c));
  }

  /**
   * TOFU: pins an unknown pseudonym's card, or detects a key change. The card's box
   * key must be signed by its user id; an unsigned card is refused (E_BAD_CARD), not pinned.
   */
  async observe(card: Card): Promise<Observation> {
    if (!verifyBoxKey(card.userId, card.boxPk, card.boxSig)) {
      throw peerError(
        PeerCode.BadCard,
        `contacts: the card for '${card.pseudonym}' is not self-signed`,
      );
    }
    const seen = toStored(card);
    const name = pseudonymKey(card.pseudonym);
    const existing = this.byName.get(name);
    if (existing === undefined) {
      const contact: StoredContact = { ...seen, verified: false, addedAtMs: this.clock.now() };
      this.byName.set(name, contact);
      await this.store.write([putJson(contactKey(card.pseudonym), contact)]);
      this.events.emit('contact:new', this.info(contact));
      return 'new';
    }
    if (sameKeys(existing, seen)) return 'known';
    if (existing.pending !== undefined && sameKeys(existing.pending, seen)) return 'pending';
    const updated: StoredContact = {
      ...existing,
      verified: false,
      pending: { ...seen, seenAtMs: this.clock.now() },
    };
    this.byName.set(name, updated);
    await this.store.write([putJson(contactKey(card.pseudonym), updated)]);
    this.events.emit('contact:key-changed', {
      pseudonym: existing.pseudonym,
      oldFingerprint: fingerprint(fromHex(existing.userId)),
      newFingerprint: fingerprint(card.userId),
      safetyNumber: safetyNumber(this.me, card.userId),
    });
    return 'changed';
  }

  /**
   * Cards from the relay's roster: they reveal a key change of a known contact
   * early. Strangers are not pinned from a roster (only when we talk to them).
   */
  async observeKnown(cards: Card[]): Promise<void> {
    for (const card of cards) {
      if (this.byName.has(pseudonymKey(card.pseudonym))) {
        await this.observe(card).catch(() => undefined);
      }
    }
  }

  /**
   * The user's decision after comparing safety numbers: accepts a pending key (the
   * old one is forgotten) and marks the contact verified. Returns the contact and
   * whether a key change was accepted. E_UNKNOWN_CONTACT if there is no such contact.
   */
  async trust(name: string): Promise<{ contact: Contact; info: ContactInfo; accepted: boolean }> {
    const existing = this.byName.get(pseudonymKey(name));
    if (existing === undefined) {
      throw peerError(PeerCode.UnknownContact, `trust: '${name}' is not a contact`);
    }
    const { pending, ...rest } = existing;
    const updated: StoredContact =
      pending === undefined
        ? { ...rest, verified: true }
        : { ...rest, ...toStored(fromStored(pending)), verified: true };
    this.byName.set(pseudonymKey(name), updated);
    await this.store.write([putJson(contactKey(existing.pseudonym), updated)]);
    const info = this.info(updated);
    this.events.emit('contact:trusted', info);
    return { contact: this.toContact(updated), info, accepted: pending !== undefined };
  }

  /** Safety number with a contact (of the pending key while a change is pending). */
  safetyNumber(name: string): string {
    const c = this.get(name);
    if (c === undefined) throw peerError(PeerCode.UnknownContact, `'${name}' is not a contact`);
    return safetyNumber(this.me, (c.pending ?? c.card).userId);
  }

  private toContact(c: StoredContact): Contact {
    return {
      pseudonym: c.pseudonym,
      card: fromStored(c),
      verified: c.verified,
      pending: c.pending === undefined ? null : fromStored(c.pending),
    };
  }

  private info(c: StoredContact): ContactInfo {
    return {
      pseudonym: c.pseudonym,
      userId: c.userId,
      fingerprint: fingerprint(fromHex(c.userId)),
      verified: c.verified,
      keyChanged: c.pending !== undefined,
    };
  }
}

/** True when `card` is the key pinned for its pseudonym (not a pending or unknown one). */
export function isPinned(contact: Contact | undefined, card: Card): boolean {
  return (
    contact !== undefined &&
    bytesEqual(contact.card.userId, card.userId) &&
    bytesEqual(contact.card.boxPk, card.boxPk)
  );
}
