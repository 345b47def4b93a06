/**
 * Which offer /accept and /decline mean: the ID typed (any unique prefix the core
 * resolves), or without one the newest offer still waiting in the open conversation (for
 * /decline, or downloading).
 */
import type { OfferInfo } from '../../index.js';
import type { CommandHost } from './types.js';

/** The ref to hand the core and the offer it names when the screen knows it; null: said why. */
export function pickOffer(
  host: CommandHost,
  command: 'accept' | 'decline',
  ref: string | undefined,
): { ref: string; info: OfferInfo | undefined } | null {
  const known = host.state.files;
  for (const o of host.core.fileOffers()) known.offer(o);
  if (ref !== undefined) {
    const matches = known.allOffers().filter((o) => o.id.startsWith(ref));
    return { ref, info: matches.length === 1 ? matches[0] : undefined };
  }
  const active = host.state.activeId;
  // /decline also stops a download under way (a trial's /decline right after /accept of a
  // 300 MiB file found nothing to decline, and the download went on).
  const latest =
    command === 'decline' ? known.latestOpen.bind(known) : known.latestPending.bind(known);
  const newest = active === null ? undefined : latest(active);
  if (newest === undefined) {
    const waiting = known.pending().length;
    host.notice(
      waiting === 0
        ? 'no file offered to you waits for an answer'
        : `no file offer waits in this conversation: /files lists the ${waiting} elsewhere, /${command} ID takes one`,
      'error',
    );
    return null;
  }
  return { ref: newest.id, info: newest };
}
