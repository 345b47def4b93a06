/**
 * /decline [ID] (issue 12): refuses an offered file, or stops its download under way (the
 * part file removed, as `natter decline ID` after a Ctrl-C'd `accept`); without an ID, the
 * newest waiting or downloading here.
 */
import { declinedWhat } from '../file-words.js';
import { checkRef } from './accept.js';
import { pickOffer } from './offer-ref.js';
import type { SlashCommand } from './types.js';

export const decline: SlashCommand<'decline'> = {
  name: 'decline',
  usage: '/decline [ID]',
  summary: 'refuse a file offered to you, or stop its download (no ID: the newest here)',
  parse: ({ first, more }) =>
    more > 0 ? null : first === '' ? { kind: 'decline' } : checkRef('decline', first),
  async run(cmd, host) {
    const offer = pickOffer(host, 'decline', cmd.ref);
    if (offer === null) return;
    const running = offer.info?.state === 'accepted';
    await host.core.declineFile(offer.ref);
    for (const o of host.core.fileOffers()) host.state.files.offer(o);
    // The conversation's line ("you declined ...") comes from the core's transfer:finished
    // (file-events.ts), as for a decline made beside the chat (`natter decline ID`).
    const what = offer.info ? declinedWhat(offer.info) : offer.ref;
    host.notice(
      running
        ? `stopped downloading ${what}: declined, the part received is removed`
        : `declined ${what}`,
    );
  },
};
