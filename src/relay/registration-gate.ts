/**
 * Registrations of new users (QA trial, finding 2: 3,000 names from one host in 59 s,
 * each a mailbox and a sender quota of its own): each remote address gets a token
 * bucket (registrationBurst at once, then registrationsPerMinute), and the relay holds
 * at most maxUsers. Checked once per Register of an identity the directory does not
 * know; a new name for a known user is neither counted nor refused. Refusals are
 * logged once a minute per address (refusal-log.ts).
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TokenBucket } from '../util/token-bucket.js';
import { SessionCode } from './errors.js';
import type { RelayLimits } from './limits.js';
import { RefusalLog } from './refusal-log.js';

/** Addresses whose buckets are kept; past it, the full ones (as good as new) are forgotten. */
const MAX_TRACKED_ADDRESSES = 4096;

export type RegistrationRefusal = {
  code: typeof SessionCode.TooManyRegistrations | typeof SessionCode.UsersFull;
  message: string;
};

export type RegistrationLimits = Pick<
  RelayLimits,
  'registrationBurst' | 'registrationsPerMinute' | 'maxUsers'
>;

export class RegistrationGate {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly refusals = new RefusalLog();

  constructor(
    private readonly limits: RegistrationLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Whether `address` may register one more new user now, the relay holding `users`:
   * null (and the address's token is taken), or the refusal to send.
   */
  admit(address: string, users: number): RegistrationRefusal | null {
    const { limits } = this;
    const now = this.clock.now();
    if (users >= limits.maxUsers) {
      this.logRefusal(address, now, 'the relay holds its most users');
      return {
        code: SessionCode.UsersFull,
        message: `register: the relay has no room for more users (it holds ${users}); ask its operator`,
      };
    }
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_ADDRESSES) this.forgetFull(now);
      bucket = new TokenBucket(limits.registrationsPerMinute / 60, limits.registrationBurst, now);
      this.buckets.set(address, bucket);
    }
    if (bucket.take(now)) return null;
    this.logRefusal(address, now, 'the address registers too many new users');
    const seconds = Math.ceil(bucket.msUntilToken(now) / 1000);
    return {
      code: SessionCode.TooManyRegistrations,
      message: `register: too many new users registered from your address; try again in ${seconds} s`,
    };
  }

  private logRefusal(address: string, now: number, why: string): void {
    const refused = this.refusals.note(address, now);
    if (refused > 0) this.log.warn(`refused registrations: ${why}`, { address, refused });
  }

  private forgetFull(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.isFull(now)) this.buckets.delete(address);
    }
  }
}
