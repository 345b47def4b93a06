/**
 * Who the chat screen knows of, driven by the core's events: who is online and
 * the contacts' trust. Pure: no I/O, no timers. ChatState (state.ts) builds on it.
 */
import type { ContactInfo, OnlinePeer, PeerEventMap } from '../index.js';
import { nameKey } from './text.js';

export class People {
  private readonly onlineByUser = new Map<string, OnlinePeer>();
  private readonly contactsByKey = new Map<string, ContactInfo>();
  /** Blocked names written to in this run, by name key (firstWriteToBlocked). */
  private readonly toldBlocked = new Set<string>();

  constructor(readonly me: { pseudonym: string; fingerprint: string }) {}

  // -- presence --------------------------------------------------------------

  setOnline(peers: readonly OnlinePeer[]): void {
    this.onlineByUser.clear();
    for (const p of peers) this.onlineByUser.set(p.userId, p);
  }

  roster(e: PeerEventMap['roster:change']): void {
    if (e.type === 'leave') this.onlineByUser.delete(e.peer.userId);
    else this.onlineByUser.set(e.peer.userId, e.peer);
  }

  /** Online peers, by name (case-insensitively), without the user themself. */
  onlineList(): OnlinePeer[] {
    return [...this.onlineByUser.values()]
      .filter((p) => nameKey(p.pseudonym) !== nameKey(this.me.pseudonym))
      .sort((a, b) => compareNames(a.pseudonym, b.pseudonym));
  }

  onlinePeer(name: string): OnlinePeer | undefined {
    const key = nameKey(name);
    for (const p of this.onlineByUser.values()) if (nameKey(p.pseudonym) === key) return p;
    return undefined;
  }

  // -- contacts --------------------------------------------------------------

  setContacts(list: readonly ContactInfo[]): void {
    this.contactsByKey.clear();
    for (const c of list) this.contactsByKey.set(nameKey(c.pseudonym), c);
  }

  contactUpdate(info: ContactInfo): void {
    this.contactsByKey.set(nameKey(info.pseudonym), info);
  }

  /** A contact renamed themselves: the old name stays theirs, marked (ContactInfo.renamedTo). */
  contactRenamed(from: string, info: ContactInfo): void {
    const old = this.contactsByKey.get(nameKey(from));
    if (old !== undefined) this.contactUpdate({ ...old, renamedTo: info.pseudonym });
    this.contactUpdate(info);
  }

  /**
   * The contact `peer` was before a `natter rename`, by its key: a contact of the same user
   * id under another name, none under the new one yet, key unchanged. The core renames the
   * contact only once it has checked the new name's card (findUser); this says when to ask.
   */
  renamedAs(peer: OnlinePeer): ContactInfo | undefined {
    if (this.contactsByKey.has(nameKey(peer.pseudonym)) || peer.keyChanged) return undefined;
    for (const c of this.contactsByKey.values())
      if (c.userId === peer.userId && c.renamedTo === undefined && !c.keyChanged) return c;
    return undefined;
  }

  /** Marks a contact's key as changed (until trust). */
  keyChanged(name: string): void {
    const c = this.contactsByKey.get(nameKey(name));
    if (c !== undefined)
      this.contactsByKey.set(nameKey(name), { ...c, keyChanged: true, verified: false });
  }

  contact(name: string): ContactInfo | undefined {
    return this.contactsByKey.get(nameKey(name));
  }

  /** Whether the contact `name`'s key is blocked (ContactInfo.blocked). */
  isBlocked(name: string): boolean {
    return this.contact(name)?.blocked === true;
  }

  /** True the first time only, per blocked name and run: what is said once when writing to them. */
  firstWriteToBlocked(name: string): boolean {
    if (!this.isBlocked(name) || this.toldBlocked.has(nameKey(name))) return false;
    this.toldBlocked.add(nameKey(name));
    return true;
  }

  /** Trust of a name as the sidebar shows it. */
  trustOf(name: string): 'verified' | 'unverified' | 'changed' {
    const c = this.contact(name);
    const p = this.onlinePeer(name);
    if (c?.keyChanged || p?.keyChanged) return 'changed';
    if (c?.verified || p?.verified) return 'verified';
    return 'unverified';
  }

  /** Online peers' and contacts' names, each once (not the user's), for Tab. */
  protected knownNames(add: (name: string) => void): void {
    for (const p of this.onlineByUser.values()) add(p.pseudonym);
    for (const c of this.contactsByKey.values()) add(c.pseudonym);
  }
}

export function compareNames(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
