/**
 * The last LAN sequence number per key, kept after a user leaves so that a
 * replayed older heartbeat cannot bring them back.
 */

import { LruMap } from '../util/lru.js';
import { MAX_REMEMBERED_KEYS } from './constants.js';
import type { ListedUsers } from './roster-entries.js';

export class RosterSeqs {
  private readonly lastSeq = new LruMap<string, number>(MAX_REMEMBERED_KEYS);
  private refused = 0;

  /** @param listed whose sequence numbers are never evicted */
  constructor(private readonly listed: ListedUsers) {}

  /** LAN presences refused because their seq was not above the last one. */
  get staleCount(): number {
    return this.refused;
  }

  /** True, remembering `seq`, when it is above the last one from `id`; else counts it stale. */
  accept(id: string, seq: number): boolean {
    const last = this.lastSeq.peek(id);
    if (last !== undefined && seq <= last) {
      this.refused++;
      return false;
    }
    this.lastSeq.set(id, seq, (k) => this.listed.has(k));
    return true;
  }
}
