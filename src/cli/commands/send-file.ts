/**
 * `natter send-file --to NAME|--group GROUP PATH...` (issue 12, docs/files.md): a file,
 * or a folder sent as one stream (several paths go as one folder, as the core bundles
 * them), is offered end to end and uploaded to the relay, sealed, chunk by chunk. Exits
 * 0 once every chunk is on the relay: the recipients fetch it from there, now or when
 * they come back. Progress on stderr: a bar with rate and time left on a terminal,
 * plain lines otherwise (--json: objects on stdout; progress.ts). Ctrl-C stops the
 * upload where it is: the offer stands, the relay keeps what it has, and the upload
 * resumes the next time natter connects on this profile (`natter transfers --follow`
 * sees it through). --no-wait returns once the offer is out (--wait MS, as for every
 * command, bounds reaching the relay). Beside a running client (natter chat), that
 * client offers and uploads (file-control.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { NatterClient, TransferInfo } from '../../peer/index.js';
import { connectRelay, FAIL_FAST_MS } from '../connect.js';
import { type CliContext, InterruptedError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { describeFile, leftOutText, transferJson } from '../file-format.js';
import {
  clientFeed,
  fileTarget,
  howFar,
  offerFiles,
  type TransferFeed,
  transferError,
  watchTransfer,
} from '../file-wait.js';
import { sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs, WAIT_HELP } from '../options.js';
import { parseSize } from '../sizes.js';
import { RUNNING_KEEPS_IT, transferThroughRunning } from './file-control.js';
import { knownGroup, tellGroupChanges } from './group.js';

interface SendFileOptions {
  to?: string;
  group?: string;
  /** --wait MS: how long to try to reach the relay; --no-wait (false): return once offered. */
  wait: number | false;
  json?: boolean;
  chunkBytes?: number;
}

/** Where an upload left off resumes: said with every way the command ends early. */
export const RESUME_HINT =
  'the upload resumes where it stopped the next time natter connects on this profile: natter transfers --follow stays until it is done (natter chat does too)';

export function addSendFileCommand(program: Command, withContext: WithContext): void {
  program
    .command('send-file')
    .description(
      'send files or folders, end-to-end encrypted; exits 0 once every chunk is on the relay (recipients who are offline get them when they come back)',
    )
    .option('--to <name>', 'recipient pseudonym')
    .option('--group <group>', 'or a group: its name, #name or an id prefix (natter group list)')
    .argument('<paths...>', 'files or folders (a folder is sent with all its files)')
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000)
    .option(
      '--no-wait',
      'return once the offer is sent; the upload goes on the next time natter connects on this profile',
    )
    .option('--json', 'progress as JSON lines of type "progress", then each transfer as JSON')
    .addOption(
      new Option('--chunk-bytes <size>', 'plaintext bytes per chunk (tests, benchmarks)')
        .argParser(parseSize)
        .hideHelp(),
    )
    .action(
      withContext(async (ctx, paths: string[], opts: SendFileOptions) => {
        const target = fileTarget(opts, 'send-file');
        await checkPaths(paths);
        // --no-wait is about the upload: connecting still fails fast, as without --wait.
        if (opts.wait === false) ctx.waitGiven = false;
        const chunk = opts.chunkBytes === undefined ? {} : { chunkBytes: opts.chunkBytes };
        // Beside a running client on this profile, it offers and uploads (file-control.ts).
        const waitMs = opts.wait === false ? 30_000 : opts.wait;
        const request = {
          target,
          paths: paths.map((p) => resolve(p)),
          ...chunk,
          // A running client that is not connected waits for the relay as this would.
          waitMs,
          ...(ctx.waitGiven ? {} : { failFastMs: FAIL_FAST_MS }),
        };
        const through = await transferThroughRunning(
          ctx,
          { op: 'files.send', request },
          (offered, feed) => upload(ctx, feed, offered, opts, RUNNING_KEEPS_IT),
        );
        if (through !== null) return;
        const client = await ctx.openClient({ connect: true, tellQueued: true });
        const told = tellGroupChanges(ctx, client);
        try {
          await connectRelay(ctx, client, { waitMs });
          if ('group' in target) await knownGroup(ctx, client, target.group, waitMs);
          const offered = await offer(ctx, client, target, request.paths, chunk);
          await upload(ctx, clientFeed(client, offered.id), offered, opts, RESUME_HINT);
          await told();
          await client.logout();
        } finally {
          await told();
        }
      }),
    );
}

/** Every path exists and is a file or a folder, before anything is offered. */
async function checkPaths(paths: string[]): Promise<void> {
  for (const path of paths) {
    let kind: 'file' | 'folder' | 'other';
    try {
      const s = await stat(path);
      kind = s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other';
    } catch (err) {
      throw cliError(CliCode.NoSuchFile, `send-file: cannot read ${sanitize(path)}`, {
        cause: err,
      });
    }
    if (kind === 'other')
      throw cliError(
        CliCode.NoSuchFile,
        `send-file: ${sanitize(path)} is neither a file nor a folder`,
      );
  }
}

/** The offer; Ctrl-C before the relay accepted it stops the command, nothing offered. */
async function offer(
  ctx: CliContext,
  client: NatterClient,
  target: ReturnType<typeof fileTarget>,
  paths: string[],
  chunk: { chunkBytes?: number },
): Promise<TransferInfo> {
  const sending = offerFiles(client, target, paths, chunk);
  sending.catch(() => undefined);
  const stopped = ctx.io.stopSignal().then(() => null);
  const offered = await Promise.race([sending, stopped]);
  if (offered === null)
    throw new InterruptedError(
      'send-file: interrupted before the relay took the offer; nothing was sent',
    );
  return offered;
}

/**
 * After the offer: with --no-wait, says so and returns; else shows the upload until
 * every chunk is on the relay, and throws if it did not get there (`hint`: what
 * becomes of it after Ctrl-C).
 */
async function upload(
  ctx: CliContext,
  feed: TransferFeed,
  offered: TransferInfo,
  opts: SendFileOptions,
  hint: string,
): Promise<void> {
  // '@bob' reads as 'bob' in a sentence; a group keeps its '#'.
  const to = sanitize(offered.peer.replace(/^@/, ''));
  // Members the relay left out over their size limit are said at once, before the upload.
  const leftOut = leftOutText(offered);
  if (leftOut !== null) ctx.err(`natter: ${leftOut} (E_FILE_TOO_LARGE)`);
  if (opts.wait === false) {
    const line = `offered ${describeFile(offered)} to ${to} (transfer ${offered.shortId}); ${hint}`;
    return say(ctx, opts, offered, line);
  }
  const { finished, last } = await watchTransfer(ctx, feed, offered, opts);
  if (finished === null)
    throw new InterruptedError(
      `send-file: interrupted at ${howFar(last)} (transfer ${last.shortId}); the offer stands, the relay keeps what it has, and ${hint}`,
    );
  if (finished.state !== 'done') throw transferError('send-file', finished);
  const line = `sent ${describeFile(finished)} to ${to}: every chunk is on the relay (transfer ${finished.shortId})`;
  say(ctx, opts, finished, line);
}

/** The line for a transfer: words on stdout, or with --json the transfer as JSON. */
function say(ctx: CliContext, opts: { json?: boolean }, t: TransferInfo, words: string): void {
  ctx.out(opts.json ? transferJson(t) : words);
}
