/**
 * What the file commands share (issue 12): the target of `send-file`, and waiting for
 * one transfer with its progress on screen until it is done, failed, cancelled or the
 * user presses Ctrl-C. The core does the transfer; this only watches its events.
 */
import type { FileTarget, NatterClient, TransferInfo } from '../peer/index.js';
import { isNatterError, NatterError } from '../util/errors.js';
import { type CliContext, UsageError } from './context.js';
import { failureWords } from './file-format.js';
import { sanitize } from './format.js';
import { groupInsteadHint } from './group-format.js';
import { type Progress, transferProgress } from './progress.js';
import { recipientOf } from './send-input.js';
import { formatSize, percentDone } from './sizes.js';

/** Exactly one of --to NAME and --group GROUP. */
export function fileTarget(opts: { to?: string; group?: string }, command: string): FileTarget {
  if (opts.to !== undefined && opts.group !== undefined)
    throw new UsageError(`${command}: --to or --group, not both`);
  if (opts.to !== undefined) return { to: recipientOf(command, opts.to) };
  if (opts.group !== undefined) return { group: opts.group };
  throw new UsageError(`${command}: missing --to NAME or --group GROUP`);
}

/**
 * Offers `paths` (client.sendFile); a `--to NAME` that is nobody's but one of my groups'
 * says how to send to the group (groupInsteadHint), alone and through a running client.
 */
export async function offerFiles(
  client: Pick<NatterClient, 'sendFile' | 'groups'>,
  target: FileTarget,
  paths: string[],
  chunk: { chunkBytes?: number },
): Promise<TransferInfo> {
  try {
    return await client.sendFile(target, paths, chunk);
  } catch (err) {
    if ('to' in target && isNatterError(err, 'E_UNKNOWN_USER')) {
      const hint = groupInsteadHint(
        await client.groups(),
        target.to,
        (ref) => `natter send-file --group ${ref} PATH...`,
      );
      if (hint !== '') throw new NatterError(err.code, `${err.message}${hint}`, { cause: err });
    }
    throw err;
  }
}

/** A transfer that ended without being done: its error, with the code the core gave. */
export function transferError(command: string, t: TransferInfo): NatterError {
  const code = t.error?.code ?? (t.state === 'cancelled' ? 'E_FILE_CANCELLED' : 'E_FILE_FAILED');
  const why = t.error === null ? t.state : failureWords(t.error);
  return new NatterError(code, `${command}: ${sanitize(t.name)}: ${why}${diskFullHint(t)}`);
}

/** A download that found no room: how to go on (accepting again retries it: docs/files.md). */
function diskFullHint(t: TransferInfo): string {
  if (t.error?.code !== 'E_DISK_FULL') return '';
  return `; free some space, or choose another folder (natter config set download-dir DIR, or --out DIR), then natter accept ${t.shortId} again`;
}

/** `47% (1.0 MiB of 2.1 MiB)`: how far a transfer got, for the line said at Ctrl-C. */
export function howFar(t: TransferInfo): string {
  return `${percentDone(t.doneBytes, t.size)}% (${formatSize(t.doneBytes)} of ${formatSize(t.size)})`;
}

/**
 * One transfer's progress as a command sees it: the core's events in-process, or the
 * lines a running client streams over its control socket (file-control.ts).
 */
export interface TransferFeed {
  /** Calls `fn` with each new state of the transfer; returns the unsubscribe. */
  subscribe(fn: (t: TransferInfo) => void): () => void;
  /** Resolves with the transfer once it is done, failed or cancelled. */
  finished(): Promise<TransferInfo>;
}

/** The feed of transfer `id` from the client core itself. */
export function clientFeed(
  client: Pick<NatterClient, 'on' | 'waitForTransfer'>,
  id: string,
): TransferFeed {
  return {
    subscribe(fn) {
      const seen = (t: TransferInfo) => {
        if (t.id === id) fn(t);
      };
      const offs = [client.on('transfer:progress', seen), client.on('transfer:finished', seen)];
      return () => {
        for (const off of offs) off();
      };
    },
    finished: () => client.waitForTransfer(id),
  };
}

/**
 * Shows the progress of transfer `first` until it finished (`finished`: its last state,
 * whatever it is) or the user stopped the command (`finished` null; `last` is the last
 * state seen).
 */
export async function watchTransfer(
  ctx: CliContext,
  feed: TransferFeed,
  first: TransferInfo,
  opts: { json?: boolean },
): Promise<{ finished: TransferInfo | null; last: TransferInfo }> {
  const shown = transferProgress(ctx, opts);
  // --json keeps its first object at once: a script sees the transfer's id before anything.
  const hold = first.direction === 'download' && opts.json !== true;
  const progress = hold ? holdingStart(shown, FIRST_LINE_MS) : shown;
  let last = first;
  const seen = (t: TransferInfo) => {
    last = t;
    progress.update(t);
  };
  const off = feed.subscribe(seen);
  try {
    progress.update(first);
    if (first.state === 'done' || first.state === 'failed' || first.state === 'cancelled')
      return { finished: first, last };
    const finishing = feed.finished();
    finishing.catch(() => undefined);
    const stopped = ctx.io.stopSignal().then(() => null);
    const finished = await Promise.race([finishing, stopped]);
    if (finished !== null) seen(finished);
    return { finished, last };
  } finally {
    off();
    progress.stop();
  }
}

/**
 * A download's first progress line (a bar or stderr lines, not --json) waits this long for
 * the relay's first answer, so an offer the relay no longer has (cancelled, expired) is
 * said alone, not after lines of 0%.
 */
export const FIRST_LINE_MS = 1_000;

/**
 * `progress`, with a download's lines of nothing yet held back for `holdMs`: shown then (the
 * last one), or at the first byte or end; a download that ended with nothing is said by its
 * error alone.
 */
function holdingStart(progress: Progress, holdMs: number): Progress {
  let held: TransferInfo | null = null;
  let open = false;
  let silent = false;
  const show = () => {
    open = true;
    if (held !== null) progress.update(held);
    held = null;
  };
  const timer = setTimeout(show, holdMs);
  return {
    update(t) {
      if (silent) return;
      if (open) return progress.update(t);
      const ended = t.state === 'done' || t.state === 'failed' || t.state === 'cancelled';
      if (t.doneBytes === 0 && !ended) {
        held = t;
        return;
      }
      clearTimeout(timer);
      if (t.doneBytes === 0 && t.state !== 'done') {
        silent = true;
        return;
      }
      held = t;
      show();
    },
    stop() {
      clearTimeout(timer);
      progress.stop();
    },
  };
}
