/**
 * `natter history [NAME|#GROUP] [--json] [--since T] [--limit N]`: messages sent and
 * received, from the profile's own history (issue 13): nothing received is ever
 * only visible in the chat, or lost to a closed pipe. Local: needs no relay, and
 * marks nothing read.
 *
 * Without NAME the latest messages of every conversation with a contact and of
 * every group are merged by time, so `natter history --since 1h` is "what
 * happened in the last hour".
 */
import type { Command } from 'commander';
import {
  type ConversationId,
  directConversation,
  fingerprint,
  type HistoryEntry,
  type NatterClient,
  normalizePseudonym,
  parseConversationId,
  pseudonymProblem,
} from '../../peer/index.js';
import { fromHex } from '../../util/bytes.js';
import { UsageError } from '../context.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import { groupLabel } from '../group-format.js';
import type { WithContext } from '../main.js';
import { parseLimit, parseSince } from '../options.js';

/** `--limit` when none is given: a screenful or two. */
export const DEFAULT_HISTORY_LIMIT = 50;

interface HistoryOptions {
  json?: boolean;
  since?: number;
  limit: number;
}

/** One entry with where it belongs: the group's name for a group conversation. */
interface Shown {
  entry: HistoryEntry;
  group?: { name: string; id: string };
}

export function addHistoryCommand(program: Command, withContext: WithContext): void {
  program
    .command('history')
    .description(
      'show messages sent and received, from the local history (no relay needed; marks nothing read)',
    )
    .argument(
      '[conversation]',
      'a contact NAME, or a group as #NAME or #ID-PREFIX; default: every conversation, merged by time',
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
    .option(
      '--limit <n>',
      `at most this many, the latest (default ${DEFAULT_HISTORY_LIMIT})`,
      parseLimit,
      DEFAULT_HISTORY_LIMIT,
    )
    .action(
      withContext(async (ctx, ref: string | undefined, opts: HistoryOptions) => {
        const client = await ctx.openClient();
        const shown = await readHistory(client, ref, opts);
        if (shown.length === 0) {
          const where =
            ref === undefined
              ? ''
              : ref.startsWith('#')
                ? ` in ${sanitize(ref)}`
                : ` with ${sanitize(ref)}`;
          ctx.err(`natter: no messages${where}${opts.since === undefined ? '' : ' since then'}`);
          return;
        }
        const me = client.me.pseudonym;
        for (const s of shown) ctx.out(opts.json ? historyJson(s, me) : formatHistory(s));
      }),
    );
}

/** When an entry happened here: received (incoming) or written (mine). */
const atMs = (e: HistoryEntry): number =>
  e.direction === 'in' ? (e.receivedAtMs ?? e.sentAtMs) : e.sentAtMs;

async function readHistory(
  client: NatterClient,
  ref: string | undefined,
  opts: HistoryOptions,
): Promise<Shown[]> {
  const groups = new Map((await client.groups()).map((g) => [g.conversation, g]));
  let conversations: ConversationId[];
  if (ref === undefined) {
    conversations = [
      ...client.contacts().map((c) => directConversation(c.pseudonym)),
      ...groups.keys(),
    ];
  } else if (ref.startsWith('#')) {
    const group = await client.group(ref);
    groups.set(group.conversation, group);
    conversations = [group.conversation];
  } else {
    const problem = pseudonymProblem(normalizePseudonym(ref));
    if (problem !== null)
      throw new UsageError(`history: '${sanitize(ref)}' is not a pseudonym: it ${problem}`);
    conversations = [directConversation(normalizePseudonym(ref))];
  }
  const entries: Shown[] = [];
  for (const conversation of conversations) {
    // The latest `limit` of each, then of all: the same as the latest `limit` overall.
    for (const entry of await client.history(conversation, opts.limit)) {
      if (opts.since !== undefined && atMs(entry) < opts.since) continue;
      const g = groups.get(conversation);
      const ref = parseConversationId(conversation);
      entries.push(
        g === undefined || ref.kind !== 'group'
          ? { entry }
          : { entry, group: { name: g.name, id: ref.groupId } },
      );
    }
  }
  entries.sort((a, b) => atMs(a.entry) - atMs(b.entry));
  return entries.slice(-opts.limit);
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
