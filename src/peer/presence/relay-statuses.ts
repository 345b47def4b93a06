/**
 * Statuses that reach us through the relay's roster (issue 10, "statuses relayed
 * by the relay carry the user's signature"). The relay forwards each user's own
 * SetStatus, signed over user id, status, text and a seq that only grows
 * (crypto/status.ts); here each one is checked against the entry's card (already
 * verified by the caller) and against the highest seq seen from that user, so a
 * relay can neither forge a status nor bring back an older one.
 *
 * A session whose client has not signed a status (one that keeps the default,
 * or has not sent it yet) is listed by the relay as 'online' with no text and no
 * signature. Such an entry claims nothing but "connected", and is shown as that;
 * an unsigned entry that claims anything else is forged. Whether a user is
 * connected at all stays the relay's word, as it always was: a relay can hide a
 * status (list the user unsigned, or not pass a change on), but cannot make a
 * user say what they did not.
 */
import { verifyStatus } from '../../crypto/status.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { LruMap } from '../../util/lru.js';
import type { RosterEntry, Status } from '../../wire/types.js';

/**
 * Users whose last signed status (and its seq) are remembered. A relay on a LAN has
 * hundreds of users; past this the least recently heard is forgotten, and an older
 * status of theirs replayed after that would be taken once more.
 */
export const MAX_TRACKED_STATUS_USERS = 4096;

/** Why a relayed status was dropped. */
export type StatusDrop = 'forged' | 'stale';

export interface RelayStatusStats {
  /** Relayed statuses dropped because the user's signature did not verify (or was missing). */
  forgedStatuses: number;
  /** Relayed statuses dropped because the user had signed a newer one. */
  staleStatuses: number;
}

interface SignedStatus {
  status: Status;
  statusText: string;
  seq: number;
  sig: Uint8Array;
}

export class RelayStatuses {
  private readonly last: LruMap<string, SignedStatus>;
  private forged = 0;
  private stale = 0;

  /** `maxUsers`: default MAX_TRACKED_STATUS_USERS. */
  constructor(maxUsers = MAX_TRACKED_STATUS_USERS) {
    this.last = new LruMap(maxUsers);
  }

  /**
   * The entry to list, or why it is dropped (and counted). Entries that say a user
   * left carry no status worth checking and pass as they are.
   */
  check(e: RosterEntry): RosterEntry | StatusDrop {
    if (!e.online) return e;
    if (e.signed === null) {
      return e.status === 'online' && e.statusText === '' ? e : this.drop('forged');
    }
    const id = toHex(e.card.userId);
    const known = this.last.get(id);
    const claim: SignedStatus = { status: e.status, statusText: e.statusText, ...e.signed };
    if (known !== undefined) {
      if (claim.seq < known.seq) return this.drop('stale');
      // The same signed status again (a full roster after a reconnect): checked already.
      if (sameStatus(claim, known)) return e;
    }
    if (!verifyStatus(e.card.userId, claim, claim.sig)) return this.drop('forged');
    this.last.set(id, claim);
    return e;
  }

  stats(): RelayStatusStats {
    return { forgedStatuses: this.forged, staleStatuses: this.stale };
  }

  private drop(reason: StatusDrop): StatusDrop {
    if (reason === 'forged') this.forged++;
    else this.stale++;
    return reason;
  }
}

const sameStatus = (a: SignedStatus, b: SignedStatus) =>
  a.seq === b.seq &&
  a.status === b.status &&
  a.statusText === b.statusText &&
  bytesEqual(a.sig, b.sig);
