/**
 * `natter accept ID [--out DIR]` (issue 12): downloads an offered file or folder from
 * the relay, verifies it against the offer's SHA-256, and prints where it was saved
 * (the download folder: `natter config get download-dir`, or --out). ID is the short
 * id `natter files` lists, or any unique prefix of 4 or more hex digits. On a terminal
 * a bar shows the download; otherwise plain lines (or --json). Ctrl-C stops it where
 * it is: `natter accept ID` again resumes from there (acceptOrResume). Beside a running client (natter
 * chat), that client downloads (file-control.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { NatterClient, TransferInfo } from '../../peer/index.js';
import { TRANSFER_REF_MIN_DIGITS } from '../../peer/index.js';
import { connectRelay } from '../connect.js';
import { type CliContext, InterruptedError, UsageError } from '../context.js';
import { acceptOrResume, findOffer } from '../control-files.js';
import { describeFile, receivedFrom, savedWords, transferJson } from '../file-format.js';
import {
  clientFeed,
  howFar,
  type TransferFeed,
  transferError,
  watchTransfer,
} from '../file-wait.js';
import { sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs, WAIT_HELP } from '../options.js';
import { RUNNING_KEEPS_IT, transferThroughRunning } from './file-control.js';

interface AcceptOptions {
  out?: string;
  wait: number;
  json?: boolean;
}

export function addAcceptCommand(program: Command, withContext: WithContext): void {
  program
    .command('accept')
    .description(
      'download a file or folder offered to you (natter files lists them), verify it, and print where it was saved',
    )
    .argument(
      '<id>',
      `the offer's id from natter files (at least ${TRANSFER_REF_MIN_DIGITS} hex digits)`,
    )
    .option(
      '--out <dir>',
      'save into this folder instead of the download folder (natter config get download-dir)',
    )
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000)
    .option('--json', 'progress as JSON lines of type "progress", then the transfer as JSON')
    .action(
      withContext(async (ctx, id: string, opts: AcceptOptions) => {
        const ref = transferRef(id, 'accept');
        const dir = opts.out === undefined ? undefined : resolve(opts.out);
        const request = { ref, ...(dir === undefined ? {} : { dir }) };
        const through = await transferThroughRunning(
          ctx,
          { op: 'files.accept', request },
          (first, feed) => follow(ctx, feed, first, opts, RUNNING_KEEPS_IT),
        );
        if (through !== null) return;
        const client = await ctx.openClient({ connect: true, tellQueued: true });
        await refuseKnownCancelled(client, ref);
        await connectRelay(ctx, client, { waitMs: opts.wait });
        await fetchOfferIfNew(client, ref, opts.wait);
        const first = await acceptOrResume(client, ref, dir === undefined ? {} : { dir });
        await follow(
          ctx,
          clientFeed(client, first.id),
          first,
          opts,
          `natter accept ${first.shortId} resumes it from what was last made safe on disk (natter transfers says how much)`,
        );
        // The answer to the sender ("received": files/replies.ts) goes out before we leave.
        await client.flush(ANSWER_FLUSH_MS);
        await client.logout();
      }),
    );
}

/**
 * After accepting or declining, how long the words out (FileDone to the relay, the answer to
 * the sender: files/replies.ts) may take before the command exits.
 */
export const ANSWER_FLUSH_MS = 2_000;

/** An id as typed: hex, at least TRANSFER_REF_MIN_DIGITS digits (bad usage otherwise). */
export function transferRef(id: string, command: string): string {
  const ref = id.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(ref) || ref.length < TRANSFER_REF_MIN_DIGITS)
    throw new UsageError(
      `${command}: '${sanitize(id)}' is not an offer id (at least ${TRANSFER_REF_MIN_DIGITS} hex digits: natter files lists them)`,
    );
  return ref;
}

/** An offer this profile has not seen yet may still wait on the relay: fetch it first. */
export async function fetchOfferIfNew(
  client: Pick<NatterClient, 'fileOffers' | 'waitForInbox'>,
  ref: string,
  waitMs: number,
): Promise<void> {
  if (findOffer(client.fileOffers(), ref) === undefined)
    await client.waitForInbox({ timeoutMs: waitMs });
}

/**
 * An offer this profile knows its sender cancelled is refused before the relay is waited
 * for (a relay out of reach said E_RELAY_UNREACHABLE instead): the core refuses it, coded
 * E_FILE_CANCELLED, without asking the relay or touching the disk (files/cancels.ts).
 */
async function refuseKnownCancelled(
  client: Pick<NatterClient, 'fileOffers' | 'acceptFile'>,
  ref: string,
): Promise<void> {
  const offer = findOffer(client.fileOffers(), ref);
  if (offer?.state === 'failed' && offer.error?.code === 'E_FILE_CANCELLED')
    await client.acceptFile(ref);
}

/** Watches the download to its end and prints where it was saved; throws if it was not. */
async function follow(
  ctx: CliContext,
  feed: TransferFeed,
  first: TransferInfo,
  opts: AcceptOptions,
  onInterrupt: string,
): Promise<void> {
  const { finished, last } = await watchTransfer(ctx, feed, first, opts);
  if (finished === null)
    throw new InterruptedError(`accept: interrupted at ${howFar(last)}; ${onInterrupt}`);
  if (finished.state !== 'done') throw transferError('accept', finished);
  if (opts.json) {
    ctx.out(transferJson(finished));
    return;
  }
  ctx.out(
    `received ${describeFile(finished)} from ${receivedFrom(finished)}${savedWords(finished)}`,
  );
}
