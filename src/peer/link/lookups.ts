/**
 * Directory lookups on the relay (Lookup{request_id} → LookupResult{request_id}),
 * the first user of the link's generic requests.
 */
import type { Card } from '../../wire/types.js';
import type { Requests } from './requests.js';

/** A relay on the LAN answers a lookup in milliseconds; this only bounds a wedged one. */
export const LOOKUP_TIMEOUT_MS = 10_000;

export interface LookupAnswer {
  card: Card | null;
  online: boolean;
}

export type LookupBy = { pseudonym: string } | { userId: Uint8Array };

export class Lookups {
  constructor(
    private readonly requests: Requests,
    private readonly timeoutMs = LOOKUP_TIMEOUT_MS,
  ) {}

  /** Asks the relay; fails with E_OFFLINE when not connected, E_REQUEST_TIMEOUT if unanswered. */
  async request(by: LookupBy): Promise<LookupAnswer> {
    const reply = await this.requests.request('lookup', { by }, { timeoutMs: this.timeoutMs });
    return { card: reply.card, online: reply.online };
  }
}
