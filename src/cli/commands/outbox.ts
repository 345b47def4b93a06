/**
 * `natter outbox [--json]` and `natter outbox cancel ID|--all` (issue 13): the
 * messages you wrote that the relay has not stored yet, and a way to stop them.
 * Local: no relay is contacted, so nothing is in flight while a message is
 * cancelled; it is never sent, and `natter history` shows it as failed, cancelled.
 * A recipient may later be told that a message from you did not arrive (a gap in
 * your numbering), which is then the truth.
 */
import type { Command } from 'commander';
import { type NatterClient, parseConversationId, type QueuedMessage } from '../../peer/index.js';
import { UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import { groupLabel, SHORT_GROUP_ID_DIGITS } from '../group-format.js';
import type { WithContext } from '../main.js';

/** Hex digits of a message id shown in the list; `cancel` takes any unique prefix. */
export const SHORT_MSG_ID_DIGITS = 8;

/** The shortest id prefix `cancel` accepts: fewer would match by accident. */
const MIN_ID_PREFIX_DIGITS = 4;

/** Characters of a message shown in the list: the start of it, on one line. */
const PREVIEW_CHARS = 60;

export function addOutboxCommands(program: Command, withContext: WithContext): void {
  const outbox = program
    .command('outbox')
    .description(
      'list your messages the relay has not stored yet (queued, or held after a key change); natter outbox cancel ID|--all drops them',
    )
    .option(
      '--json',
      'one JSON object per message: msgId, conversation, to, group, state, reason, attempts, sentAt, text',
    )
    .action(
      withContext(async (ctx, opts: { json?: boolean }) => {
        const client = await ctx.openClient();
        const queued = client.queued();
        if (queued.length === 0) {
          ctx.err('natter: the outbox is empty');
          return;
        }
        const names = await groupNames(client);
        for (const m of queued) ctx.out(opts.json ? queuedJson(m, names) : formatQueued(m, names));
      }),
    );

  outbox
    .command('cancel')
    .description(
      'cancel queued messages: they are never sent (natter history shows them as cancelled)',
    )
    .argument(
      '[id]',
      'the message id, or a unique prefix of it (natter outbox shows the first 8 digits)',
    )
    .option('--all', 'cancel every queued and held message')
    .option('--json', 'print the cancelled message ids as a JSON array')
    .action(
      withContext(async (ctx, id: string | undefined, opts: { all?: boolean; json?: boolean }) => {
        if ((id === undefined) === (opts.all !== true))
          throw new UsageError('outbox cancel: give one message ID, or --all');
        const client = await ctx.openClient();
        const chosen = opts.all ? client.queued() : [find(client.queued(), id ?? '')];
        const cancelled: string[] = [];
        for (const m of chosen) if (await client.cancelQueued(m.msgId)) cancelled.push(m.msgId);
        if (opts.json) ctx.out(safeJson(cancelled));
        else if (cancelled.length === 0) ctx.err('natter: the outbox is empty');
        else ctx.out(`cancelled ${cancelled.length} message(s): ${cancelled.map(short).join(' ')}`);
      }),
    );
}

const short = (msgId: string) => msgId.slice(0, SHORT_MSG_ID_DIGITS);

/** The queued message whose id starts with `prefix`: E_NOT_QUEUED, or bad usage if ambiguous. */
function find(queued: QueuedMessage[], prefix: string): QueuedMessage {
  const p = prefix.toLowerCase();
  if (!/^[0-9a-f]+$/.test(p) || p.length < MIN_ID_PREFIX_DIGITS)
    throw new UsageError(
      `outbox cancel: '${sanitize(prefix)}' is not a message id (at least ${MIN_ID_PREFIX_DIGITS} hex digits: natter outbox)`,
    );
  const matches = queued.filter((m) => m.msgId.startsWith(p));
  const [only] = matches;
  if (only === undefined)
    throw cliError(
      CliCode.NotQueued,
      `outbox cancel: no queued message ${p} (natter outbox lists them)`,
    );
  if (matches.length > 1)
    throw new UsageError(
      `outbox cancel: ${p} matches ${matches.length} messages; give more digits`,
    );
  return only;
}

/** Group conversation id → name, for the list. */
async function groupNames(client: NatterClient): Promise<Map<string, string>> {
  return new Map((await client.groups()).map((g) => [g.conversation, g.name]));
}

/** `3f2a9c1b  2025-01-31 09:00:12  → bob  queued  lunch?` (held, or the last refusal, instead of queued). */
export function formatQueued(m: QueuedMessage, groups: Map<string, string>): string {
  const text = sanitize(m.text);
  const preview =
    [...text].length > PREVIEW_CHARS ? `${[...text].slice(0, PREVIEW_CHARS).join('')}…` : text;
  const state = m.reason === undefined ? m.state : `${m.state} (${m.reason}, ${m.attempts} tries)`;
  return `${short(m.msgId)}  ${dateTime(m.sentAtMs)}  → ${recipient(m, groups)}  ${state}  ${preview}`;
}

function recipient(m: QueuedMessage, groups: Map<string, string>): string {
  if (m.to !== undefined) return sanitize(m.to);
  const ref = parseConversationId(m.conversation);
  const name = groups.get(m.conversation);
  if (name !== undefined) return groupLabel(name);
  return ref.kind === 'group' ? `#${ref.groupId.slice(0, SHORT_GROUP_ID_DIGITS)}` : m.conversation;
}

export function queuedJson(m: QueuedMessage, groups: Map<string, string>): string {
  const ref = parseConversationId(m.conversation);
  const name = groups.get(m.conversation);
  return safeJson({
    msgId: m.msgId,
    conversation: m.conversation,
    ...(m.to === undefined ? {} : { to: m.to }),
    ...(ref.kind === 'group' ? { group: { name: name ?? null, id: ref.groupId } } : {}),
    state: m.state,
    ...(m.reason === undefined ? {} : { reason: m.reason }),
    attempts: m.attempts,
    sentAt: new Date(m.sentAtMs).toISOString(),
    text: m.text,
  });
}
