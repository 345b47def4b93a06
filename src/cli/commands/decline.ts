/**
 * `natter decline ID` (issue 12): says no to an offered file or folder. The sender's
 * relay is told (FileDone declined), so it can drop the blob once no one else wants it;
 * nothing is downloaded. Beside a running client (natter chat), that client declines.
 */
import type { Command } from 'commander';
import { TRANSFER_REF_MIN_DIGITS } from '../../peer/index.js';
import { connectRelay } from '../connect.js';
import { findOffer } from '../control-files.js';
import { describeFile } from '../file-format.js';
import { sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs, WAIT_HELP } from '../options.js';
import { ANSWER_FLUSH_MS, fetchOfferIfNew, transferRef } from './accept.js';
import { declineThroughRunning } from './file-control.js';

export function addDeclineCommand(program: Command, withContext: WithContext): void {
  program
    .command('decline')
    .description('refuse a file or folder offered to you (natter files lists them)')
    .argument(
      '<id>',
      `the offer's id from natter files (at least ${TRANSFER_REF_MIN_DIGITS} hex digits)`,
    )
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000)
    .action(
      withContext(async (ctx, id: string, opts: { wait: number }) => {
        const ref = transferRef(id, 'decline');
        const through = await declineThroughRunning(ctx, ref);
        let offer = through?.offer ?? null;
        if (through === null) {
          const client = await ctx.openClient({ connect: true, tellQueued: true });
          await connectRelay(ctx, client, { waitMs: opts.wait });
          await fetchOfferIfNew(client, ref, opts.wait);
          offer = findOffer(client.fileOffers(), ref) ?? null;
          await client.declineFile(ref);
          await client.flush(ANSWER_FLUSH_MS);
          await client.logout();
        }
        ctx.out(
          offer === null
            ? `declined ${ref}`
            : `declined ${describeFile(offer)} from ${sanitize(offer.from)} (${offer.shortId})`,
        );
      }),
    );
}
