/**
 * `natter files [--json]`: the files offered to you (issue 12), with the short id that
 * `natter accept` and `natter decline` take, who sent each, in which group, its name,
 * size and state. It connects first, so offers still waiting on the relay are listed
 * too (--local: only what this profile has already). Beside a running client (natter
 * chat), that client answers (file-control.ts).
 */
import type { Command } from 'commander';
import type { OfferInfo } from '../../peer/index.js';
import { connectRelay } from '../connect.js';
import type { CliContext } from '../context.js';
import { offerJson, offerRows } from '../file-format.js';
import type { WithContext } from '../main.js';
import { parseMs, WAIT_HELP } from '../options.js';
import { filesThroughRunning } from './file-control.js';

interface FilesOptions {
  json?: boolean;
  local?: boolean;
  wait: number;
}

export function addFilesCommand(program: Command, withContext: WithContext): void {
  program
    .command('files')
    .description(
      'list files offered to you: id, from, group, name, size, state (natter accept ID / natter decline ID)',
    )
    .option(
      '--json',
      'one JSON object per offer: id, shortId, conversation, from, group, name, size, files, several (several paths sent at once), mime, offeredAt (when it arrived), sentAt (when the sender offered it, by its clock), state, savedAs, error',
    )
    .option('--local', 'do not contact the relay: list the offers this profile already has')
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000)
    .action(
      withContext(async (ctx, opts: FilesOptions) => {
        const through = await filesThroughRunning(ctx);
        printOffers(ctx, through ?? (await fetchOffers(ctx, opts)), opts);
      }),
    );
}

/** The profile's offers, after fetching what waits on the relay unless --local. */
async function fetchOffers(ctx: CliContext, opts: FilesOptions): Promise<OfferInfo[]> {
  if (opts.local) return (await ctx.openClient()).fileOffers();
  const client = await ctx.openClient({ connect: true, tellQueued: true });
  await connectRelay(ctx, client, { waitMs: opts.wait });
  await client.waitForInbox({ timeoutMs: opts.wait });
  const offers = client.fileOffers();
  await client.logout();
  return offers;
}

export function printOffers(ctx: CliContext, offers: OfferInfo[], opts: { json?: boolean }): void {
  if (offers.length === 0) {
    ctx.err('natter: no files offered to you');
    return;
  }
  if (opts.json) for (const o of offers) ctx.out(offerJson(o));
  else for (const row of offerRows(offers)) ctx.out(row);
}
