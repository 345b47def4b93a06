/** /decline [ID] (issue 12): refuses an offered file; without an ID, the newest waiting here. */
import { fileLabel } from '../file-words.js';
import { sanitize } from '../text.js';
import { checkRef } from './accept.js';
import { pickOffer } from './offer-ref.js';
import type { SlashCommand } from './types.js';

export const decline: SlashCommand<'decline'> = {
  name: 'decline',
  usage: '/decline [ID]',
  summary: 'refuse a file offered to you (no ID: the newest here)',
  parse: ({ first, more }) =>
    more > 0 ? null : first === '' ? { kind: 'decline' } : checkRef('decline', first),
  async run(cmd, host) {
    const offer = pickOffer(host, 'decline', cmd.ref);
    if (offer === null) return;
    await host.core.declineFile(offer.ref);
    for (const o of host.core.fileOffers()) host.state.files.offer(o);
    const what = offer.info
      ? `${fileLabel(offer.info)} from ${sanitize(offer.info.from)}`
      : offer.ref;
    if (offer.info) host.note(offer.info.conversation, `you declined ${what}`);
    host.notice(`declined ${what}`);
  },
};
