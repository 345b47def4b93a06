/**
 * `natter history [NAME|#GROUP] [--json] [--since T] [--limit N]`, and `natter history
 * NAME|#GROUP --delete [--before T] [--yes]` (history-delete.ts): messages sent and
 * received, and a group's membership changes (kind "event" in --json), from the
 * profile's own history (issue 13): nothing received is ever
 * only visible in the chat, or lost to a closed pipe. Local: needs no relay, and
 * marks nothing read; beside a running client it reads through it (via-control.ts).
 *
 * Without NAME the latest messages of every conversation with a contact and of
 * every group are merged by time, so `natter history --since 1h` is "what
 * happened in the last hour".
 */
import type { Command } from 'commander';
import { fingerprint, type GroupEventEntry, isGroupEvent } from '../../peer/index.js';
import { groupNoticeText } from '../../peer/ui/index.js';
import { fromHex } from '../../util/bytes.js';
import { UsageError } from '../context.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import { groupLabel } from '../group-format.js';
import { checkDeleteUsage, deleteHistoryCommand } from '../history-delete.js';
import { atMs, type Shown } from '../history-read.js';
import type { WithContext } from '../main.js';
import { MAX_LIST_LIMIT, parseLimit, parseSince } from '../options.js';
import { withoutAt } from '../send-input.js';
import { perform } from '../via-control.js';

/** `--limit` when none is given: a screenful or two. */
export const DEFAULT_HISTORY_LIMIT = 50;

interface HistoryOptions {
  json?: boolean;
  since?: number;
  /** Not given: DEFAULT_HISTORY_LIMIT, and a note on stderr when it left some out. */
  limit?: number;
  delete?: boolean;
  before?: number;
  yes?: boolean;
}

export function addHistoryCommand(program: Command, withContext: WithContext): void {
  program
    .command('history')
    .description(
      "show messages sent and received, and groups' membership changes, from the local history (no relay needed; marks nothing read)",
    )
    .argument(
      '[conversation]',
      'a contact NAME, or a group as #NAME or #ID-PREFIX (or NAME, when no contact has it); default: every conversation, merged by time; a NAME that is no contact, no group and has no messages is an error (E_UNKNOWN_CONTACT, exit 1), an unknown #GROUP too (E_UNKNOWN_GROUP)',
    )
    .option(
      '--json',
      'one JSON object per line: a message (kind "message": conversation, group {name, id}, direction, msgId, from, to, fingerprint, userId, sentAt, receivedAt, state, reason, text), or a change of a group (kind "event": conversation, group, change, by, member, from, to, seq, at, text)',
    )
    .option(
      '--since <time>',
      'only messages since then: an age (30m, 2h, 7d) or a date (2025-01-31, 2025-01-31T09:00)',
      (v: string) => parseSince(v),
    )
    .option(
      '--limit <n>',
      `at most this many, the latest (default ${DEFAULT_HISTORY_LIMIT}, up to ${MAX_LIST_LIMIT}; when the default leaves some out, stderr says so)`,
      parseLimit,
    )
    .option(
      '--delete',
      "delete the conversation's local history on this computer (its messages, and a group's change lines), asking first on a terminal; your messages still in the outbox stay, and are sent",
    )
    .option(
      '--before <time>',
      'with --delete: only what was kept here before then (an age, 30d, or a date, as --since)',
      (v: string) => parseSince(v),
    )
    .option('--yes', 'with --delete: delete without asking (needed where there is no terminal)')
    .action(
      withContext(async (ctx, typed: string | undefined, opts: HistoryOptions) => {
        // `history @carol`, as the chat's /msg @carol: a person, as `history carol`.
        const ref = typed === undefined ? undefined : withoutAt(typed);
        if (opts.delete === true) {
          checkDeleteUsage(ref, opts, ctx);
          return deleteHistoryCommand(ctx, ref, opts);
        }
        if (opts.before !== undefined || opts.yes !== undefined)
          throw new UsageError(
            `history: ${opts.before === undefined ? '--yes' : '--before'} goes with --delete`,
          );
        const limit = opts.limit ?? DEFAULT_HISTORY_LIMIT;
        // Beside a running client, read through it (issue 13): the same entries.
        const { shown, more, me, groupHint } = await perform(ctx, 'history', {
          ...(ref === undefined ? {} : { ref }),
          ...(opts.since === undefined ? {} : { since: opts.since }),
          limit,
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
        for (const s of shown) ctx.out(opts.json ? historyJson(s, me) : formatHistory(s, me));
        // Asked for a number, the user knows there may be more; left to the default, say so
        // (stderr: stdout, --json's too, stays the entries alone).
        if (more === true && opts.limit === undefined) {
          ctx.err(`natter: showing the latest ${limit}; --limit N for more`);
        }
      }),
    );
}

/**
 * `YYYY-MM-DD HH:MM:SS  bob (fingerprint): text` for a message received,
 * `YYYY-MM-DD HH:MM:SS  me → bob: text  [delivered]` for mine; in a group `#team `
 * comes first, and a change of the group is `#team * bob removed you`, as the chat
 * draws it. Continuation lines are indented, as in `natter inbox`.
 */
export function formatHistory({ entry: e, group }: Shown, me: string): string {
  const where = group === undefined ? '' : `${groupLabel(group.name)} `;
  const when = dateTime(atMs(e));
  if (isGroupEvent(e)) return `${when}  ${where}* ${groupNoticeText(e.notice, me, sanitize)}`;
  const body = sanitize(e.text, { multiline: true }).replace(/\n/g, '\n    ');
  if (e.direction === 'in') {
    const fp = e.peer.userId === '' ? '' : ` (${fingerprint(fromHex(e.peer.userId))})`;
    return `${when}  ${where}${sanitize(e.peer.pseudonym)}${fp}: ${body}`;
  }
  const to = group === undefined ? ` → ${sanitize(e.peer.pseudonym)}` : '';
  const state = e.state === undefined ? '' : `  [${e.state}${e.reason ? `: ${e.reason}` : ''}]`;
  return `${when}  ${where}me${to}: ${body}${state}`;
}

export function historyJson({ entry: e, group }: Shown, me: string): string {
  if (isGroupEvent(e)) return eventJson(e, group, me);
  const incoming = e.direction === 'in';
  return safeJson({
    conversation: e.conversation,
    ...(group === undefined ? {} : { group }),
    kind: 'message',
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

/**
 * A group's change: `kind: "event"`, the change as the core names it (`created`,
 * `added`, `removed`, `promoted`, `demoted`, `renamed`, `left`), who (`by`, `member`,
 * a rename's `from` and `to`: pseudonyms and names as they were), its place in the
 * group's log (`seq`), when it was applied here (`at`), and the words the chat shows.
 */
function eventJson(e: GroupEventEntry, group: Shown['group'], me: string): string {
  const { kind, ...who } = e.notice;
  return safeJson({
    conversation: e.conversation,
    ...(group === undefined ? {} : { group }),
    kind: 'event',
    change: kind,
    ...who,
    seq: e.seq,
    at: new Date(e.atMs).toISOString(),
    // Raw, as a message's text is: safeJson escapes what a terminal must not see.
    text: groupNoticeText(e.notice, me, (t) => t),
  });
}
