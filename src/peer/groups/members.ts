/**
 * Who group members are. A group's log names members by user id only; people are
 * named by pseudonym. Both ways go through signed cards:
 *
 * - a pseudonym typed by the user (create, add) becomes the card pinned for it
 *   (contacts.ts), or, for someone not yet a contact, the card the relay has for it,
 *   pinned on this first use (TOFU, DESIGN.md §3). A contact whose key changed is
 *   not added to anything until trust() (E_KEY_CHANGED).
 * - a user id from the log (a member someone else added) becomes a pseudonym by a
 *   Lookup by user id; the card must carry that user id and its signature must verify,
 *   and it is pinned like any first use, so a later key change of that member is seen
 *   and held as in 1:1. Names learned so are kept (gname!), for listing members offline.
 */
import { verifyCard } from '../../crypto/card.js';
import { fingerprint } from '../../crypto/keys.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { normalizePseudonym, pseudonymKey, pseudonymProblem } from '../../wire/text.js';
import type { Card } from '../../wire/types.js';
import type { Contacts } from '../contacts.js';
import { PeerCode, peerError } from '../errors.js';
import type { LookupAnswer, LookupBy } from '../link/lookups.js';
import { type PeerStore, PREFIX, prefixRange } from '../store.js';
import { groupKeys } from './keys.js';

export interface MembersDeps {
  store: PeerStore;
  contacts: Contacts;
  lookups: { request(by: LookupBy): Promise<LookupAnswer> };
  me: { userId: Uint8Array; pseudonym: string };
  logger: Logger;
}

export class MemberNames {
  /** `names`: what loadNames() read (user id hex → pseudonym). */
  constructor(
    private readonly d: MembersDeps,
    private readonly names: Map<string, string>,
  ) {}

  /** The names learned before, from the store. */
  static async loadNames(store: PeerStore): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for await (const [key, name] of store.kv.entries(prefixRange(PREFIX.memberName))) {
      names.set(key.slice(PREFIX.memberName.length), name);
    }
    return names;
  }

  /**
   * The pseudonym of user `userId` (hex), if known: me, a pinned contact, or a card seen.
   * A name seen for them that a contact of another key holds now is theirs no longer
   * (they renamed, and someone else took it: both were shown, and found, by one name, so
   * a `remove` of the newcomer removed the old member); learn() asks the relay again.
   */
  known(userId: string): string | undefined {
    if (userId === toHex(this.d.me.userId)) return this.d.me.pseudonym;
    const contact = this.d.contacts.byUserId(fromHex(userId));
    if (contact !== undefined) return contact.pseudonym;
    const seen = this.names.get(userId);
    if (seen === undefined) return undefined;
    const holder = this.d.contacts.get(seen);
    return holder !== undefined && toHex(holder.card.userId) !== userId ? undefined : seen;
  }

  /** The pseudonym to show for `userId` (hex); a label from its fingerprint while unknown. */
  of(userId: string): string {
    return this.known(userId) ?? `unknown (${fingerprint(fromHex(userId)).slice(0, 14)})`;
  }

  /**
   * Learns the names of the users (hex) not known yet, by asking the relay for their
   * cards (in parallel); what cannot be learned now (offline, no answer) stays unknown.
   */
  async learn(userIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(userIds)].filter((id) => this.known(id) === undefined);
    await Promise.all(missing.map((id) => this.learnOne(id)));
  }

  private async learnOne(userId: string): Promise<void> {
    try {
      const { card } = await this.d.lookups.request({ userId: fromHex(userId) });
      if (card === null || toHex(card.userId) !== userId || !verifyCard(card)) return;
      await this.d.contacts.observe(card);
      await this.remember(card);
    } catch (err) {
      this.d.logger.info('could not learn a group member', describeError(err));
    }
  }

  /**
   * The card of the person the user calls `name`, to add to a group: the pinned card
   * of a contact, else the relay's card, pinned now. E_BAD_PSEUDONYM, E_SELF,
   * E_UNKNOWN_USER, E_KEY_CHANGED (a contact whose key waits for trust()), E_OFFLINE.
   */
  async cardFor(name: string): Promise<Card> {
    const typed = normalizePseudonym(name);
    const problem = pseudonymProblem(typed);
    if (problem !== null) throw peerError(PeerCode.BadPseudonym, `group: the name ${problem}`);
    if (pseudonymKey(typed) === pseudonymKey(this.d.me.pseudonym)) {
      throw peerError(PeerCode.Self, 'group: you are in your groups already');
    }
    let contact = this.d.contacts.get(typed);
    if (contact === undefined) {
      const { card } = await this.d.lookups.request({ pseudonym: typed });
      if (card === null || pseudonymKey(card.pseudonym) !== pseudonymKey(typed)) {
        throw peerError(PeerCode.UnknownUser, `group: nobody is registered as '${typed}'`);
      }
      await this.d.contacts.observe(card);
      contact = this.d.contacts.get(typed);
    }
    if (contact === undefined) {
      throw peerError(PeerCode.UnknownUser, `group: nobody is registered as '${typed}'`);
    }
    if (contact.pending !== null) {
      throw peerError(
        PeerCode.KeyChanged,
        `group: ${contact.pseudonym}'s key changed; compare safety numbers and trust it first`,
      );
    }
    await this.remember(contact.card);
    return contact.card;
  }

  /** Keeps the name of a member's card, for when it is no longer the key pinned for it. */
  private async remember(card: Card): Promise<void> {
    const userId = toHex(card.userId);
    if (this.names.get(userId) === card.pseudonym) return;
    this.names.set(userId, card.pseudonym);
    await this.d.store.write([{ type: 'put', key: groupKeys.name(userId), value: card.pseudonym }]);
  }

  /** The user id (hex) of the member of `members` (hex ids) called `name`, if any. */
  memberNamed(members: readonly Uint8Array[], name: string): Uint8Array | undefined {
    const key = pseudonymKey(normalizePseudonym(name));
    return members.find((id) => {
      const known = this.known(toHex(id));
      return known !== undefined && pseudonymKey(known) === key;
    });
  }
}
