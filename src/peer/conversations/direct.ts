/**
 * One-to-one conversations: whom a '@name' conversation seals to, and which
 * delivered plaintexts belong to one.
 *
 * Sending: a contact whose card is pinned and not waiting for trust() is sealed
 * to at once, with no Lookup round trip before the first byte (issue 9). A name
 * that is not a contact yet is looked up on the relay (once per session) and
 * pinned on first use (contacts.ts). A key that changed on the relay while we
 * were not looking is still never sealed to silently: the relay learns it first
 * (the old user id is unknown there, so it answers unknown-recipient), and
 * recheck() then asks for the card, which pins the change as pending, and the
 * sender holds the conversation until trust(). Cards also arrive unasked: the
 * relay's roster pushes those of online contacts, and every delivery carries
 * its sender's.
 *
 * Receiving: a plaintext addressed to my user id belongs to the conversation with
 * its (authenticated) sender name.
 */
import type { BoxKeyring } from '../../crypto/box.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { pseudonymKey } from '../../wire/text.js';
import type { Card, Inner } from '../../wire/types.js';
import type { Contact, Contacts } from '../contacts.js';
import { PeerCode, peerError } from '../errors.js';
import { type Audience, type Sealed, sealInner } from './envelope.js';
import { type ConversationId, directConversation, directPeerKey } from './ids.js';

/** The relay's directory, as far as 1:1 sealing needs it (link/lookups.ts). */
export interface CardLookup {
  request(by: { pseudonym: string }): Promise<{ card: Card | null }>;
}

/** Where a direct message is going: its conversation and, if known, the name as typed. */
export interface DirectAddress {
  conversation: ConversationId;
  peerName?: string;
}

/** Whom to seal to, or why not now. */
export type Resolution =
  | { ok: true; contact: Contact }
  /** The relay did not answer (or the link dropped): try again later. */
  | { ok: false; why: 'retry' }
  /** The relay knows no such name, and neither do we. */
  | { ok: false; why: 'unknown-recipient' }
  /** The contact's key changed: hold until trust(). */
  | { ok: false; why: 'held' }
  | { ok: false; why: 'self' }
  /** The relay returned a card whose box key is not signed: nothing to seal to. */
  | { ok: false; why: 'bad-card' };

export interface DirectDeps {
  contacts: Contacts;
  lookups: CardLookup;
  keyring: BoxKeyring;
  me: { userId: Uint8Array; pseudonym: string };
  logger?: Logger;
}

/** The audience of a client that is in 1:1 conversations only: plaintexts for `me`. */
export function directAudience(me: Uint8Array): Audience {
  return {
    me,
    conversationOf: (inner) =>
      bytesEqual(inner.recipient, me) ? directConversation(inner.senderName) : null,
  };
}

export class DirectConversations implements Audience {
  /** Names looked up on the relay in this session. */
  private readonly checked = new Set<string>();
  private readonly audience: Audience;
  private readonly log: Logger;

  constructor(private readonly d: DirectDeps) {
    this.audience = directAudience(d.me.userId);
    this.log = d.logger ?? silentLogger;
  }

  get me(): Uint8Array {
    return this.d.me.userId;
  }

  /** A plaintext for my user id belongs to the conversation with its sender. */
  conversationOf(inner: Inner): ConversationId | null {
    return this.audience.conversationOf(inner);
  }

  /** A new relay session: names are looked up again when first needed. */
  newSession(): void {
    this.checked.clear();
  }

  /** The contact to seal to: a pinned one at once, an unknown name after one Lookup. */
  async resolve(to: DirectAddress): Promise<Resolution> {
    const name = lookupName(to);
    const known = this.d.contacts.get(name);
    if (known === undefined && !this.checked.has(pseudonymKey(name))) {
      const asked = await this.ask(name);
      if (asked !== 'ok') return { ok: false, why: asked };
    }
    const contact = this.d.contacts.get(name);
    if (contact === undefined) return { ok: false, why: 'unknown-recipient' };
    if (contact.pending !== null) return { ok: false, why: 'held' };
    if (bytesEqual(contact.card.userId, this.d.me.userId)) return { ok: false, why: 'self' };
    return { ok: true, contact };
  }

  /**
   * Like resolve(), for what only user `userId` (hex) may read (a group's sender key,
   * sealed to that member's card): never sealed to another key the name has now.
   */
  async resolveMember(to: DirectAddress, userId: string): Promise<Resolution> {
    const resolved = await this.resolve(to);
    if (!resolved.ok || toHex(resolved.contact.card.userId) === userId.toLowerCase()) {
      return resolved;
    }
    return { ok: false, why: 'unknown-recipient' };
  }

  /**
   * The relay refused a message as unknown-recipient. If it was sealed to a pinned
   * card without asking this session, ask now: 'held' when the relay has another
   * key for the name (now pending, as contact:key-changed said), 'unknown' when it
   * has none or the same one, 'retry' when it did not answer.
   */
  async recheck(to: DirectAddress): Promise<'held' | 'unknown' | 'retry'> {
    const name = lookupName(to);
    if (this.checked.has(pseudonymKey(name))) return 'unknown';
    const asked = await this.ask(name);
    if (asked === 'retry') return 'retry';
    return this.d.contacts.get(name)?.pending != null ? 'held' : 'unknown';
  }

  /** Whether `to` is a conversation with someone: a group, or a name that is a contact. */
  withSomeone(to: DirectAddress): boolean {
    const name = to.peerName ?? directPeerKey(to.conversation);
    return name === undefined || this.d.contacts.get(name) !== undefined;
  }

  /** Seals `inner` (without its routing fields) for `contact`. */
  seal(contact: Contact, inner: Omit<Inner, 'sender' | 'recipient' | 'senderName'>): Sealed {
    return sealInner(this.d.keyring, contact.card.boxPk, {
      ...inner,
      sender: this.d.me.userId,
      recipient: contact.card.userId,
      senderName: this.d.me.pseudonym,
    });
  }

  /**
   * Asks the relay who holds `name` now, even when it is a contact's (an old name of one
   * who renamed themselves may have a new holder: contacts.ts makes them a new contact).
   */
  async askAgain(name: string): Promise<'ok' | 'retry' | 'unknown-recipient' | 'bad-card'> {
    this.checked.delete(pseudonymKey(name));
    return this.ask(name);
  }

  /** Asks the relay for `name`'s card and observes it (pins a new one, notices a change). */
  private async ask(name: string): Promise<'ok' | 'retry' | 'unknown-recipient' | 'bad-card'> {
    let card: Card | null;
    try {
      ({ card } = await this.d.lookups.request({ pseudonym: name }));
    } catch (err) {
      this.log.info('recipient lookup failed', describeError(err));
      return 'retry';
    }
    const key = pseudonymKey(name);
    if (card !== null && pseudonymKey(card.pseudonym) === key) {
      try {
        await this.d.contacts.observe(card);
      } catch (err) {
        this.log.warn('relay returned a bad card', describeError(err));
        return 'bad-card';
      }
    } else if (this.d.contacts.get(name) === undefined) {
      return 'unknown-recipient';
    }
    this.checked.add(key);
    return 'ok';
  }
}

/** The name to ask the relay for: as typed when known, else the conversation's key. */
function lookupName(to: DirectAddress): string {
  const name = to.peerName ?? directPeerKey(to.conversation);
  if (name === undefined) {
    throw peerError(PeerCode.BadConversation, `direct: ${to.conversation} is not one-to-one`);
  }
  return name;
}
