/**
 * Turning the presence roster (src/presence/roster.ts) into the core's event
 * payloads (events.ts): plain data with hex ids and fingerprints, contact state
 * folded in, so a UI never sees wire or crypto types.
 */
import { fingerprint } from '../../crypto/keys.js';
import type { RosterChange, RosterConflict, RosterItem } from '../../presence/roster.js';
import { fromHex } from '../../util/bytes.js';
import { type Contact, isPinned } from '../contact-records.js';
import type { OnlinePeer, PeerEventMap } from '../events.js';

/**
 * What the roster needs to know about contacts: the pinned card of a pseudonym, if any,
 * and (for look-alike names, name-pins.ts) every pinned name with its user id hex.
 */
export interface ContactLookup {
  get(name: string): Contact | undefined;
  list?(): readonly { pseudonym: string; userId: string; nameLeft?: true }[];
}

/**
 * One listed user as an OnlinePeer. `keyChanged` and `verified` come from the
 * contact book: a contact whose pinned key is this one is verified if the user
 * compared safety numbers; a changed key waiting for trust() shows as keyChanged.
 * Strangers are neither.
 */
export function toOnlinePeer(item: RosterItem, contact: Contact | undefined): OnlinePeer {
  const pinned = isPinned(contact, item.card);
  return {
    pseudonym: item.pseudonym,
    userId: item.userIdHex,
    fingerprint: fingerprint(item.card.userId),
    status: item.status,
    statusText: item.statusText,
    source: item.source,
    ...(item.address === null ? {} : { address: item.address }),
    keyChanged: contact !== undefined && (!pinned || contact.pending !== null),
    verified: contact !== undefined && pinned && contact.verified && contact.pending === null,
  };
}

export type PresenceEvent =
  | { name: 'roster:change'; event: PeerEventMap['roster:change'] }
  | { name: 'roster:conflict'; event: PeerEventMap['roster:conflict'] };

/** An impostor's claim as 'roster:conflict' says it. */
export function conflictEvent(change: RosterConflict): PeerEventMap['roster:conflict'] {
  return {
    pseudonym: change.item.pseudonym,
    claimedFingerprint: fingerprint(change.item.card.userId),
    pinnedFingerprint: fingerprint(fromHex(change.pinnedUserIdHex)),
    ...(change.item.source === 'relay' ? { via: 'relay' as const } : {}),
  };
}

/**
 * An impostor said in words, the same in the chat and in `who`: where the claim came from
 * (a LAN heartbeat, or the relay's roster listing the name under another key) and the
 * claimed key's fingerprint. `name` is the pseudonym already made safe for the terminal.
 */
export function conflictWords(e: PeerEventMap['roster:conflict'], name: string): string {
  return e.via === 'relay'
    ? `the relay lists someone else as ${name}, with another key (${e.claimedFingerprint}); not shown`
    : `someone on the LAN claims to be ${name} with another key (${e.claimedFingerprint}); not shown`;
}

/** The event a roster change becomes. */
export function presenceEvent(change: RosterChange, contacts: ContactLookup): PresenceEvent {
  if (change.type === 'conflict') return { name: 'roster:conflict', event: conflictEvent(change) };
  const peer = toOnlinePeer(change.item, contacts.get(change.item.pseudonym));
  return {
    name: 'roster:change',
    event:
      change.type === 'leave'
        ? { type: 'leave', peer, reason: change.reason }
        : { type: change.type, peer },
  };
}
