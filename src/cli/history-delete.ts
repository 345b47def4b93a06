/**
 * `natter history NAME|#GROUP --delete [--before T] [--yes] [--json]`: deletes the local
 * history of one conversation (or its entries from before T) on this machine, through
 * the running chat when there is one, which then shows the conversation without them
 * (control-history.ts). docs/decisions.md, "Deleting local history (fourteenth sitting)":
 * on a terminal it first says how many entries will go and asks; a script says `--yes`.
 */
import { ask } from '../peer/ui/index.js';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';
import type { HistoryDeleted } from './control-history.js';
import { dateTime, safeJson, sanitize } from './format.js';
import { groupLabel } from './group-format.js';
import { canPrompt } from './passphrase.js';
import { perform } from './via-control.js';

export interface DeleteOptions {
  before?: number;
  yes?: boolean;
  json?: boolean;
}

/** What the answer to the question must be: anything else keeps the history. */
const YES = /^\s*y(es)?\s*$/i;

/** Refuses, before anything is opened, what `--delete` cannot mean. */
export function checkDeleteUsage(
  ref: string | undefined,
  opts: DeleteOptions & { since?: number; limit?: number },
  ctx: CliContext,
): asserts ref is string {
  if (ref === undefined)
    throw new UsageError('history --delete: name the conversation: NAME or #GROUP');
  if (opts.since !== undefined || opts.limit !== undefined)
    throw new UsageError(
      'history --delete: --since and --limit choose what to show; --before T chooses what to delete',
    );
  if (opts.yes !== true && !canPrompt(ctx.io))
    throw new UsageError(
      'history --delete: asks before deleting, and there is no terminal to ask on; pass --yes to delete without asking',
    );
}

export async function deleteHistoryCommand(
  ctx: CliContext,
  ref: string,
  opts: DeleteOptions,
): Promise<void> {
  const bound = opts.before === undefined ? {} : { beforeMs: opts.before };
  const where = whereOf(ref);
  let beforeMs = opts.before;
  if (opts.yes !== true) {
    const counted = await perform(ctx, 'history.delete', { ref, ...bound, dryRun: true });
    const n = entries(counted);
    if (n === 0) {
      ctx.err(`natter: nothing to delete${where(counted)}${before(opts.before)}${kept(counted)}`);
      return;
    }
    const answer = await ask(
      { input: ctx.io.stdin, output: ctx.io.stderr },
      `delete ${describe(counted)}${where(counted)}${before(opts.before)} from this computer? It cannot be undone [y/N] `,
    );
    if (!YES.test(answer)) {
      ctx.err('natter: nothing deleted');
      return;
    }
    // What was counted, and nothing that arrived since.
    beforeMs = counted.deletion.beforeMs;
  }
  const done = await perform(ctx, 'history.delete', {
    ref,
    ...(beforeMs === undefined ? {} : { beforeMs }),
    dryRun: false,
  });
  if (opts.json === true) {
    const { deletion: d } = done;
    ctx.out(
      safeJson({
        conversation: done.conversation,
        ...(done.group === undefined ? {} : { group: done.group }),
        deleted: d.messages + d.events,
        messages: d.messages,
        events: d.events,
        kept: d.kept,
        before: new Date(d.beforeMs).toISOString(),
      }),
    );
    return;
  }
  if (entries(done) === 0)
    ctx.err(`natter: nothing to delete${where(done)}${before(opts.before)}${kept(done)}`);
  else ctx.out(`deleted ${describe(done)}${where(done)}${before(opts.before)}${kept(done)}`);
}

const entries = (d: HistoryDeleted) => d.deletion.messages + d.deletion.events;

/** `42 entries (40 messages, 2 group changes)`, or `1 message`. */
function describe(d: HistoryDeleted): string {
  const { messages, events } = d.deletion;
  const m = `${messages} message${messages === 1 ? '' : 's'}`;
  if (events === 0) return m;
  const e = `${events} group change${events === 1 ? '' : 's'}`;
  return messages === 0 ? e : `${messages + events} entries (${m}, ${e})`;
}

const whereOf = (ref: string) => (d: HistoryDeleted) =>
  d.group === undefined
    ? ` from the history with ${sanitize(ref)}`
    : ` from the history of ${groupLabel(d.group.name)}`;

const before = (ms: number | undefined) => (ms === undefined ? '' : ` before ${dateTime(ms)}`);

function kept(d: HistoryDeleted): string {
  const k = d.deletion.kept;
  if (k === 0) return '';
  return `; kept ${k} message${k === 1 ? '' : 's'} of yours still in the outbox (natter outbox)`;
}
