/**
 * `natter transfers [--json] [--follow]` (issue 12): uploads and downloads in progress,
 * or waiting to resume, with the bytes done, the rate and the time left. Read from the
 * profile, or from the running client (natter chat) when one holds it: only a running
 * client has live rates. --follow connects and stays until every one of them is done,
 * showing each one's progress: how a transfer stopped by Ctrl-C is finished without
 * keeping natter chat open.
 */
import type { Command } from 'commander';
import type { TransferInfo } from '../../peer/index.js';
import type { NatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import { type CliContext, InterruptedError } from '../context.js';
import {
  describeFile,
  receivedFrom,
  savedWords,
  transferJson,
  transferRows,
} from '../file-format.js';
import { clientFeed, howFar, transferError, watchTransfer } from '../file-wait.js';
import { sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { ANSWER_FLUSH_MS } from './accept.js';
import { transfersThroughRunning } from './file-control.js';

interface TransfersOptions {
  json?: boolean;
  follow?: boolean;
  wait: number;
}

const ended = (t: TransferInfo) =>
  t.state === 'done' || t.state === 'failed' || t.state === 'cancelled';

export function addTransfersCommand(program: Command, withContext: WithContext): void {
  program
    .command('transfers')
    .description('uploads and downloads in progress: bytes done, rate, time left')
    .option(
      '--json',
      "one JSON object per transfer: id, shortId, direction, name, peer, from (who sent a download), size, doneBytes, rateBytesPerSec, etaMs, state, waitingForSender (a download that has all the relay holds, the sender's upload behind), savedAs, error, replies (an upload's recipients who received or declined it)",
    )
    .option(
      '--follow',
      'connect and stay until every transfer in progress is done, showing its progress (resumes those stopped by Ctrl-C)',
    )
    .option(
      '--wait <ms>',
      'with --follow: how long to try to reach (or find) the relay',
      parseMs,
      30_000,
    )
    .action(
      withContext(async (ctx, opts: TransfersOptions) => {
        const running = await transfersThroughRunning(ctx);
        if (opts.follow && running === null) return follow(ctx, opts);
        const list = running ?? (await ctx.openClient()).transfers();
        if (list.length === 0) {
          ctx.err('natter: no transfers in progress');
          return;
        }
        if (opts.json) for (const t of list) ctx.out(transferJson(t));
        else for (const row of transferRows(list, running !== null)) ctx.out(row);
        if (opts.follow)
          ctx.err(
            list.every(ended)
              ? 'natter: none is in progress'
              : 'natter: the running natter client is carrying them on',
          );
      }),
    );
}

/** Connects, and sees every unfinished transfer to its end, one after another. */
async function follow(ctx: CliContext, opts: TransfersOptions): Promise<void> {
  const client = await ctx.openClient({ connect: true, tellQueued: true });
  await connectRelay(ctx, client, { waitMs: opts.wait });
  const open = client.transfers().filter((t) => !ended(t));
  if (open.length === 0) ctx.err('natter: no transfers in progress');
  const failures: NatterError[] = [];
  for (const [i, first] of open.entries()) {
    const { finished, last } = await watchTransfer(ctx, clientFeed(client, first.id), first, opts);
    if (finished === null)
      throw new InterruptedError(
        `transfers: interrupted at ${howFar(last)} of ${sanitize(last.name)}; ${open.length - i} transfer(s) resume the next time natter connects (natter transfers --follow)`,
      );
    if (opts.json) ctx.out(transferJson(finished));
    else if (finished.state === 'done') ctx.out(doneLine(finished));
    if (finished.state !== 'done') failures.push(transferError('transfers', finished));
  }
  // A download finished here answers its sender ("received": files/replies.ts), as
  // `natter accept` does; leaving at once left the answer for the next command (a trial).
  await client.flush(ANSWER_FLUSH_MS);
  await client.logout();
  // Each failure is said; the last one is the command's error (exit 1).
  const last = failures.pop();
  for (const f of failures) ctx.err(`natter: ${f.message} (${f.code})`);
  if (last !== undefined) throw last;
}

function doneLine(t: TransferInfo): string {
  const peer = sanitize(t.peer.replace(/^@/, ''));
  if (t.direction === 'upload')
    return `sent ${describeFile(t)} to ${peer}: every chunk is on the relay (transfer ${t.shortId})`;
  return `received ${describeFile(t)} from ${receivedFrom(t)}${savedWords(t)}`;
}
