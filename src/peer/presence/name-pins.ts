/**
 * The pins presence holds names to (client-presence.ts): our own name to our key, each
 * contact's to the contact's key, looked up by the exact name (pseudonymKey) and by the
 * names that look like it (lookalikeKey: 'mаllory' with a Cyrillic 'а' for 'mallory').
 * The look-alike index is built from the contact list when first needed and again after
 * the contact book changes.
 */
import { toHex } from '../../util/bytes.js';
import { lookalikeKey, pseudonymKey } from '../../wire/text.js';
import type { PeerEvents } from '../events.js';
import type { ContactLookup } from './online.js';

export class NamePins {
  private readonly selfName: string | null;
  private readonly selfLook: string | null;
  /** Contacts by name key and by look-alike key; null until needed after a change. */
  private index: { byName: Map<string, string>; byLook: Map<string, string> } | null = null;

  constructor(
    private readonly contacts: ContactLookup,
    events: PeerEvents,
    private readonly self: { id: string; pseudonym: string } | null,
  ) {
    this.selfName = self === null ? null : pseudonymKey(self.pseudonym);
    this.selfLook = self === null ? null : lookalikeKey(self.pseudonym);
    const changed = () => {
      this.index = null;
    };
    events.on('contact:new', changed);
    events.on('contact:trusted', changed);
    events.on('contact:renamed', changed);
    events.on('contact:key-changed', changed);
  }

  /** The key a name (pseudonymKey) is pinned to: ours, or a contact's. */
  exact(name: string): string | undefined {
    if (this.self !== null && name === this.selfName) return this.self.id;
    const contact = this.contacts.get(name);
    // An old name the relay confirmed its holder left pins nobody: whoever registered it
    // since is a new person on the LAN, not an impostor of the contact (contacts.ts).
    if (contact?.nameLeft === true) return undefined;
    if (contact !== undefined) return toHex(contact.card.userId);
    return this.built().byName.get(name);
  }

  /** The key of a pinned name that looks like `key` (lookalikeKey): ours, or a contact's. */
  lookalike(key: string): string | undefined {
    if (this.self !== null && key === this.selfLook) return this.self.id;
    return this.built().byLook.get(key);
  }

  private built(): { byName: Map<string, string>; byLook: Map<string, string> } {
    if (this.index !== null) return this.index;
    const byName = new Map<string, string>();
    const byLook = new Map<string, string>();
    for (const c of this.contacts.list?.() ?? []) {
      if (c.nameLeft === true) continue;
      byName.set(pseudonymKey(c.pseudonym), c.userId);
      // Two contacts' names that fold together (both registered before look-alikes were
      // refused): the first keeps the look-alike key; each still has their exact name.
      const look = lookalikeKey(c.pseudonym);
      if (!byLook.has(look)) byLook.set(look, c.userId);
    }
    this.index = { byName, byLook };
    return this.index;
  }
}
