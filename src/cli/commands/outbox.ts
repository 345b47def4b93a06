/**
 * `natter outbox [--json]` and `natter outbox cancel ID|--all` (issue 13): the
 * messages you wrote that the relay has not stored yet, the files whose chunks are
 * not all on the relay yet, and a way to stop them. Local: no relay is contacted,
 * so nothing is in flight while a message is cancelled; it is never sent, and
 * `natter history` shows it as failed, cancelled. A recipient may later be told
 * that a message from you did not arrive (a gap in your numbering), which is then
 * the truth. A cancelled file send is then told to the relay at once, the client
 * connecting briefly (cancel-tell.ts); out of reach, when the client next connects.
 * Beside a running client (natter chat), both act through it (via-control.ts).
 */
import type { Command } from 'commander';
import { parseConversationId, type QueuedMessage, type TransferInfo } from '../../peer/index.js';
import { cancelOpenOptions, tellRelayOfCancel } from '../cancel-tell.js';
import { UsageError } from '../context.js';
import type { OutboxView } from '../control-outbox.js';
import { describeFile, PAUSED, transferObject, WAITING } from '../file-format.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import { groupLabel, SHORT_GROUP_ID_DIGITS } from '../group-format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { formatSize, percentDone } from '../sizes.js';
import { performTelling } from '../via-control.js';

/** Hex digits of a message id shown in the list; `cancel` takes any unique prefix. */
export const SHORT_MSG_ID_DIGITS = 8;

/** Characters of a message shown in the list: the start of it, on one line. */
const PREVIEW_CHARS = 60;

export function addOutboxCommands(program: Command, withContext: WithContext): void {
  const outbox = program
    .command('outbox')
    .description(
      'list your messages the relay has not stored yet (queued, or held after a key change) and files not yet all on the relay; natter outbox cancel ID|--all drops them',
    )
    .option(
      '--json',
      'one JSON object per entry: messages {msgId, conversation, to, group, state, reason, attempts, sentAt, text}, files {file: {id, name, peer, size, doneBytes, state, ...}}',
    )
    .action(
      withContext(async (ctx, opts: { json?: boolean }) => {
        const { answer: view, running } = await performTelling(ctx, 'outbox.list', {});
        if (view.messages.length === 0 && view.files.length === 0) {
          ctx.err('natter: the outbox is empty');
          return;
        }
        for (const line of outboxLines(view, opts.json === true, running)) ctx.out(line);
      }),
    );

  outbox
    .command('cancel')
    .description(
      'cancel queued messages (never sent; natter history shows them as cancelled) or unfinished file sends',
    )
    .argument(
      '[id]',
      'the message or file id, or a unique prefix of it (natter outbox shows the first 8 digits)',
    )
    .option('--all', 'cancel every queued and held message and every unfinished file send')
    .option('--json', 'print {messages, files}: the cancelled ids')
    .option(
      '--wait <ms>',
      'a cancelled file send: how long to try to tell the relay',
      parseMs,
      5_000,
    )
    .action(
      withContext(async (ctx, id: string | undefined, opts: CancelOptions) => {
        if ((id === undefined) === (opts.all !== true))
          throw new UsageError('outbox cancel: give one message ID, or --all');
        const open = await cancelOpenOptions(ctx);
        const { answer: done, running } = await performTelling(
          ctx,
          'outbox.cancel',
          opts.all ? { all: true } : { ref: id ?? '', all: false },
          open,
        );
        const count = done.messages.length + done.files.length;
        // `outbox cancel --all --json`: the parent's --json is the same wish.
        if (opts.json === true || outbox.opts().json === true) ctx.out(safeJson(done));
        else if (count === 0) ctx.err('natter: the outbox is empty');
        else {
          const parts = [];
          if (done.messages.length > 0)
            parts.push(`${done.messages.length} message(s): ${done.messages.map(short).join(' ')}`);
          if (done.files.length > 0)
            parts.push(`${done.files.length} file(s): ${done.files.map(short).join(' ')}`);
          ctx.out(`cancelled ${parts.join('; ')}`);
          // A whole upload taken back: what that means for those who have it, in words.
          if ((done.withdrawn?.length ?? 0) > 0)
            ctx.err(
              `natter: withdrew ${done.withdrawn?.map(short).join(' ')}: the relay deletes the file and its recipients see it cancelled by the sender; anyone who fetched it already keeps their copy`,
            );
        }
        // A running client tells the relay itself (now, or when its link is back).
        if (!running && done.files.length > 0)
          ctx.err(`natter: ${await tellRelayOfCancel(ctx, open, opts.wait)}`);
      }),
    );
}

interface CancelOptions {
  all?: boolean;
  json?: boolean;
  wait: number;
}

const short = (id: string) => id.slice(0, SHORT_MSG_ID_DIGITS);

/**
 * The outbox as `natter outbox` prints it: messages in send order, then files. `running`:
 * a running client listed it (an upload not moving waits for its relay; else it is paused).
 */
export function outboxLines(view: OutboxView, json: boolean, running: boolean): string[] {
  const names = new Map(view.groups);
  return [
    ...view.messages.map((m) => (json ? queuedJson(m, names) : formatQueued(m, names))),
    ...view.files.map((t) =>
      json ? safeJson({ file: transferObject(t) }) : formatFile(t, running),
    ),
  ];
}

/**
 * `1a2b3c4d  file  → @bob  waiting for the relay  report.pdf (2.1 MiB)`, or `paused: resumes
 * when natter runs on this profile` when no client runs (`running` false), with how much is
 * on the relay when some is.
 */
export function formatFile(t: TransferInfo, running: boolean): string {
  const on = `${formatSize(t.doneBytes)} on the relay (${percentDone(t.doneBytes, t.size)}%)`;
  const state = !running
    ? `${PAUSED}${t.doneBytes > 0 ? `, ${on}` : ''}`
    : t.state === 'waiting'
      ? WAITING
      : on;
  return `${t.shortId}  file  → ${sanitize(t.peer)}  ${state}  ${describeFile(t)}`;
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
