/**
 * Dialling the relays of a cluster (issue 15): a client given several addresses
 * tries them in turn, but does not wait out a whole connect timeout on one that
 * is silently dead (a host cut off answers nothing, and a new-user trial's
 * every command spent 4.5–7 s on the first address before the next). The next
 * address is dialled DIAL_STAGGER_MS after the previous one if neither has
 * answered yet, at once when one fails; the first channel up wins and the
 * others are closed as they come up. A LAN relay answers within milliseconds,
 * so a live first address is nearly always the one used.
 */
import type { Clock, Timer } from '../../util/clock.js';
import type { RelayAddress } from '../relay-address.js';
import type { RelayChannel } from './channel.js';

/** How long an unanswered dial has before the next address is tried beside it. */
export const DIAL_STAGGER_MS = 300;

export interface Dialled {
  channel: RelayChannel;
  /** Which of the addresses answered. */
  index: number;
}

/**
 * Dials `addresses` from `start` on, staggered; resolves with the first channel
 * up, or rejects with the first address's failure once every one failed.
 */
export function dialFirst(
  addresses: readonly RelayAddress[],
  start: number,
  dial: (address: RelayAddress) => Promise<RelayChannel>,
  clock: Clock,
  staggerMs = DIAL_STAGGER_MS,
): Promise<Dialled> {
  const n = addresses.length;
  return new Promise((resolve, reject) => {
    let launched = 0;
    let failed = 0;
    let settled = false;
    /** Failures by launch order: the first address's is the one reported. */
    const errors: unknown[] = [];
    let timer: Timer | null = null;
    const stop = () => {
      settled = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    };
    const launch = (): void => {
      if (settled || launched >= n) return;
      const order = launched++;
      const index = (start + order) % n;
      if (launched < n) {
        if (timer !== null) clock.clearTimeout(timer);
        timer = clock.setTimeout(launch, staggerMs);
      }
      dial(addresses[index]!).then(
        (channel) => {
          if (settled) {
            channel.stream.destroy();
            return;
          }
          stop();
          resolve({ channel, index });
        },
        (err: unknown) => {
          errors[order] = err;
          failed++;
          if (settled) return;
          if (failed === n) {
            stop();
            reject(errors[0]);
            return;
          }
          launch();
        },
      );
    };
    launch();
  });
}
