/**
 * The file commands beside a running client (issue 12 with issue 13 item 3): while
 * `natter chat` holds the profile, `files`, `transfers`, `accept`, `decline` and
 * `send-file` ask it through the control socket (control-files.ts) and print what
 * they print alone. A transfer started this way is the running client's: Ctrl-C stops
 * only the watching, and the running client goes on with it.
 */
import type { FileTarget, OfferInfo, TransferInfo } from '../../peer/index.js';
import { NatterError } from '../../util/errors.js';
import type { CliContext } from '../context.js';
import type { ControlClient } from '../control-client.js';
import type { TransferEvent } from '../control-files.js';
import { CliCode, cliError } from '../errors.js';
import type { TransferFeed } from '../file-wait.js';
import { callControl, runningClient } from '../via-control.js';

/** What Ctrl-C leaves behind when the running client holds the transfer. */
export const RUNNING_KEEPS_IT =
  'the running natter client goes on with it (natter transfers shows it)';

/** Runs `fn` with the running client's connection, or resolves null when none runs. */
async function withRunning<T>(
  ctx: CliContext,
  fn: (control: ControlClient) => Promise<T>,
): Promise<T | null> {
  const control = await runningClient(ctx);
  if (control === null) return null;
  try {
    return await fn(control);
  } finally {
    control.close();
  }
}

export const filesThroughRunning = (ctx: CliContext): Promise<OfferInfo[] | null> =>
  withRunning(ctx, async (c) => (await callControl(c, 'files.list', {})).offers);

export const transfersThroughRunning = (ctx: CliContext): Promise<TransferInfo[] | null> =>
  withRunning(ctx, async (c) => (await callControl(c, 'transfers.list', {})).transfers);

export const declineThroughRunning = (
  ctx: CliContext,
  ref: string,
): Promise<{ offer: OfferInfo | null } | null> =>
  withRunning(ctx, (c) => callControl(c, 'files.decline', { ref }));

/**
 * Starts a transfer through the running client (an accept or a send) and hands its
 * feed to `watch`; null when no client runs. The connection stays open while `watch`
 * runs: the running client streams the progress on it.
 */
export function transferThroughRunning<T>(
  ctx: CliContext,
  start:
    | { op: 'files.accept'; request: { ref: string; dir?: string } }
    | { op: 'files.send'; request: { target: FileTarget; paths: string[]; chunkBytes?: number } },
  watch: (first: TransferInfo, feed: TransferFeed) => Promise<T>,
): Promise<T | null> {
  return withRunning(ctx, async (control) => {
    const { transfer } =
      start.op === 'files.accept'
        ? await callControl(control, 'files.accept', start.request, null)
        : await callControl(control, 'files.send', start.request, null);
    const watched = await callControl(control, 'transfer.watch', { id: transfer.id });
    return watch(watched.transfer ?? transfer, controlFeed(control));
  });
}

/** The lines `transfer.watch` streams, as a feed. */
function controlFeed(control: ControlClient): TransferFeed {
  const listeners = new Set<(t: TransferInfo) => void>();
  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async finished() {
      for (;;) {
        const line = (await control.next()) as TransferEvent | null;
        if (line === null)
          throw cliError(CliCode.Control, 'control: the running client went away mid-transfer');
        if (line.event === 'transfer:error') throw new NatterError(line.code, line.message);
        if (line.event === 'transfer:finished') return line.transfer;
        if (line.event === 'transfer:progress') for (const fn of listeners) fn(line.transfer);
      }
    },
  };
}
