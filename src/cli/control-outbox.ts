/**
 * What `natter outbox` lists and cancels (issue 13 item 2), on the profile's own
 * client or through the running one (natter chat holds the profile; item 3): the
 * messages the relay has not stored yet, and the uploads whose chunks are not all
 * on the relay yet (a file sent while offline, or interrupted), so that nothing
 * the user sent waits unseen. Registered in the table of control-ops.ts; the
 * command's side is commands/outbox.ts.
 */
import type { NatterClient, QueuedMessage, TransferInfo } from '../peer/index.js';
import { UsageError } from './context.js';
import { badRequest, type HandlerTable, type NoFields, noFields } from './control-fields.js';
import { CliCode, cliError } from './errors.js';
import { sanitize } from './format.js';

/** What the client must offer for these requests. */
export type OutboxControlTarget = Pick<
  NatterClient,
  'queued' | 'cancelQueued' | 'transfers' | 'cancelTransfer' | 'groups'
>;

/** The outbox: queued messages and unfinished uploads, with the names of their groups. */
export interface OutboxView {
  messages: QueuedMessage[];
  files: TransferInfo[];
  /** Group conversation id → the group's name, for the messages' recipients. */
  groups: [conversation: string, name: string][];
}

/** What a cancel dropped: message ids and transfer ids. */
export interface OutboxCancelled {
  messages: string[];
  files: string[];
  /**
   * Of `files`, the uploads that were whole on the relay already: withdrawn (the relay
   * deletes the file; a recipient who fetched it keeps their copy). Absent when none.
   */
  withdrawn?: string[];
}

export interface OutboxControlOps {
  'outbox.list': { request: NoFields; answer: OutboxView };
  /** `ref`: a message or transfer id, or a unique prefix of one; or `all`. */
  'outbox.cancel': { request: { ref?: string; all: boolean }; answer: OutboxCancelled };
}

/** The shortest id prefix `cancel` accepts: fewer would match by accident. */
export const MIN_ID_PREFIX_DIGITS = 4;

/** An upload that has not put every chunk on the relay yet. */
const unfinished = (t: TransferInfo) =>
  t.direction === 'upload' && (t.state === 'waiting' || t.state === 'running');

/**
 * An upload whole on the relay that someone may still fetch, which its sender can take back
 * by id (a QA trial: on a LAN an upload is whole within a second, and `outbox cancel` then
 * said E_NOT_QUEUED). Not `--all`: that empties the outbox, and these are no longer in it.
 * A 1:1 offer its recipient answered is over (the relay freed it); a group's answers never
 * say whether every member has it, so a group's stays withdrawable.
 */
export const withdrawable = (t: TransferInfo) =>
  t.direction === 'upload' &&
  t.state === 'done' &&
  (t.peer.startsWith('#') || t.replies.length === 0);

export async function outboxView(client: OutboxControlTarget): Promise<OutboxView> {
  const groups = (await client.groups()).map((g): [string, string] => [g.conversation, g.name]);
  return { messages: client.queued(), files: client.transfers().filter(unfinished), groups };
}

/**
 * Cancels what `ref` names (a unique prefix of a message or transfer id;
 * E_NOT_QUEUED when nothing matches), or everything with `all`. A cancelled
 * message is never sent; a cancelled upload stops and its recipients are told.
 */
export async function outboxCancel(
  client: OutboxControlTarget,
  request: { ref?: string; all: boolean },
): Promise<OutboxCancelled> {
  const messages = client.queued();
  const files = client.transfers().filter(unfinished);
  let chosen: { messages: QueuedMessage[]; files: TransferInfo[] } = { messages, files };
  if (!request.all) chosen = find(messages, files, request.ref ?? '', client.transfers());
  const done: OutboxCancelled = { messages: [], files: [] };
  for (const m of chosen.messages)
    if (await client.cancelQueued(m.msgId)) done.messages.push(m.msgId);
  for (const t of chosen.files) {
    // The core drops a whole upload as it does one under way (transfers.ts cancel).
    await client.cancelTransfer(t.id);
    done.files.push(t.id);
    if (t.state === 'done') done.withdrawn = [...(done.withdrawn ?? []), t.id];
  }
  return done;
}

/** The one entry whose id starts with `prefix`: E_NOT_QUEUED, or bad usage if ambiguous. */
function find(
  messages: QueuedMessage[],
  unfinishedFiles: TransferInfo[],
  prefix: string,
  all: TransferInfo[],
): { messages: QueuedMessage[]; files: TransferInfo[] } {
  const files = [...unfinishedFiles, ...all.filter(withdrawable)];
  const p = prefix.toLowerCase();
  if (!/^[0-9a-f]+$/.test(p) || p.length < MIN_ID_PREFIX_DIGITS)
    throw new UsageError(
      `outbox cancel: '${sanitize(prefix)}' is not an id (at least ${MIN_ID_PREFIX_DIGITS} hex digits: natter outbox)`,
    );
  const m = messages.filter((x) => x.msgId.startsWith(p));
  const f = files.filter((x) => x.id.startsWith(p));
  const found = m.length + f.length;
  // A whole 1:1 upload its recipient answered: say so, not that nothing had that id.
  const over = all.find((x) => x.id.startsWith(p) && x.direction === 'upload');
  if (found === 0 && over?.state === 'done')
    throw cliError(
      CliCode.NotQueued,
      `outbox cancel: ${p}: ${sanitize(over.peer)} has fetched or declined ${sanitize(over.name)} already; nothing is left to take back`,
    );
  if (found === 0)
    throw cliError(
      CliCode.NotQueued,
      `outbox cancel: nothing queued with id ${p} (natter outbox lists it)`,
    );
  if (found > 1)
    throw new UsageError(`outbox cancel: ${p} matches ${found} entries; give more digits`);
  return { messages: m, files: f };
}

export const OUTBOX_OPS: HandlerTable<OutboxControlOps, OutboxControlTarget> = {
  'outbox.list': { parse: noFields, run: (t) => outboxView(t) },
  'outbox.cancel': {
    parse(raw) {
      const all = raw.all === true;
      if (all) return { all };
      if (typeof raw.ref !== 'string') throw badRequest('ref must be a string, or all true');
      return { ref: raw.ref, all };
    },
    run: (t, r) => outboxCancel(t, r),
  },
};
