/**
 * `natter history [NAME|#GROUP] [--json] [--since T] [--limit N]`: messages sent and
 * received, from the profile's own history (issue 13): nothing received is ever
 * only visible in the chat, or lost to a closed pipe. Local: needs no relay, and
 * marks nothing read; beside a running client it reads through it (via-control.ts).
 *
 * Without NAME the latest messages of every conversation with a contact and of
 * every group are merged by time, so `natter history --since 1h` is "what
 * happened in the last hour".
 */
import type { Command } from 'commander';
import { fingerprint } from '../../peer/index.js';
import { fromHex } from '../../util/bytes.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import { groupLabel } from '../group-format.js';
import { atMs, type Shown } from '../history-read.js';
import type { WithContext } from '../main.js';
import { parseLimit, parseSince } from '../options.js';
import { perform } from '../via-control.js';

/** `--limit` when none is given: a screenful or two. */
export const DEFAULT_HISTORY_LIMIT = 50;

interface HistoryOptions {
  json?: boolean;
  since?: number;
  limit: number;
}

export function addHistoryCommand(program: Command, withContext: WithContext): void {
  program
    .command('history')
    .description(
      'show messages sent and received, from the local history (no relay needed; marks nothing read)',
    )
    .argument(
      '[conversation]',
      'a contact NAME, or a group as #NAME or #ID-PREFIX; default: every conversation, merged by time; a NAME that is no contact and has no messages is an error (E_UNKNOWN_CONTACT, exit 1), an unknown #GROUP too (E_UNKNOWN_GROUP)',
    )
    .option(
      '--json',
      'one JSON object per message: conversation, group {name, id}, direction, msgId, from, to, fingerprint, userId, sentAt, receivedAt, state, reason, text',
    )
    .option(
      '--since <time>',
      'only messages since then: an age (30m, 2h, 7d) or a date (2025-01-31, 2025-01-31T09:00)',
      (v: string) => parseSince(v),
    )
    .option('--limit <n>', 'at most this many, the latest', parseLimit, DEFAULT_HISTORY_LIMIT)
    .action(
      withContext(async (ctx, ref: string | undefined, opts: HistoryOptions) => {
        // Beside a running client, read through it (issue 13): the same entries.
        const { shown, me, groupHint } = await perform(ctx, 'history', {
          ...(ref === undefined ? {} : { ref }),
          ...(opts.since === undefined ? {} : { since: opts.since }),
          limit: opts.limit,
        });
        if (shown.length === 0) {
          const where =
            ref === undefined
              ? ''
              : ref.startsWith('#')
                ? ` in ${sanitize(ref)}`
                : ` with ${sanitize(ref)}`;
          const since = opts.since === undefined ? '' : ' since then';
          ctx.err(`natter: no messages${where}${since}${groupHint ?? ''}`);
          return;
        }
        for (const s of shown) ctx.out(opts.json ? historyJson(s, me) : formatHistory(s));
      }),
    );
}

/**
 * `YYYY-MM-DD HH:MM:SS  bob (fingerprint): text` for a message received,
 * `YYYY-MM-DD HH:MM:SS  me → bob: text  [delivered]` for mine; in a group `#team `
 * comes first. Continuation lines are indented, as in `natter inbox`.
 */
export function formatHistory({ entry: e, group }: Shown): string {
  const body = sanitize(e.text, { multiline: true }).replace(/\n/g, '\n    ');
  const where = group === undefined ? '' : `${groupLabel(group.name)} `;
  const when = dateTime(atMs(e));
  if (e.direction === 'in') {
    const fp = e.peer.userId === '' ? '' : ` (${fingerprint(fromHex(e.peer.userId))})`;
    return `${when}  ${where}${sanitize(e.peer.pseudonym)}${fp}: ${body}`;
  }
  const to = group === undefined ? ` → ${sanitize(e.peer.pseudonym)}` : '';
  const state = e.state === undefined ? '' : `  [${e.state}${e.reason ? `: ${e.reason}` : ''}]`;
  return `${when}  ${where}me${to}: ${body}${state}`;
}

export function historyJson({ entry: e, group }: Shown, me: string): string {
  const incoming = e.direction === 'in';
  return safeJson({
    conversation: e.conversation,
    ...(group === undefined ? {} : { group }),
    direction: e.direction,
    msgId: e.msgId,
    from: incoming ? e.peer.pseudonym : me,
    ...(incoming || group !== undefined ? {} : { to: e.peer.pseudonym }),
    ...(incoming && e.peer.userId !== ''
      ? { fingerprint: fingerprint(fromHex(e.peer.userId)), userId: e.peer.userId }
      : {}),
    sentAt: new Date(e.sentAtMs).toISOString(),
    ...(e.receivedAtMs === undefined ? {} : { receivedAt: new Date(e.receivedAtMs).toISOString() }),
    ...(e.state === undefined ? {} : { state: e.state }),
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    text: e.text,
  });
}
