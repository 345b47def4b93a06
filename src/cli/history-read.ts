/**
 * Reading the local history for `natter history` (issue 13), alone or in the
 * running client it talks to through the control socket (control-ops.ts): the
 * same entries either way.
 */

import {
  type ConversationId,
  directConversation,
  type GroupInfo,
  type HistoryItem,
  itemTime,
  type NatterClient,
  normalizePseudonym,
  parseConversationId,
} from '../peer/index.js';
import { CliCode, cliError } from './errors.js';
import { sanitize } from './format.js';
import { groupInsteadHint } from './group-format.js';
import { nameArgOf } from './send-input.js';

export interface HistoryQuery {
  since?: number;
  limit: number;
}

/** One entry (a message, or a group's change) with where it belongs: the group's name for a group conversation. */
export interface Shown {
  entry: HistoryItem;
  group?: { name: string; id: string };
}

/** When an entry happened here (the core's itemTime). */
export const atMs = itemTime;

/**
 * The order `inbox` and `history` print in: by when it happened here; items of one moment
 * (several senders' messages taken in one batch) by conversation, and those of one
 * conversation as kept (a stable sort). A trial's inbox printed such a pair in arrival
 * order and history in the order of the contact list.
 */
export function byMoment(
  a: { atMs: number; conversation: string },
  b: { atMs: number; conversation: string },
): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  return a.conversation < b.conversation ? -1 : a.conversation > b.conversation ? 1 : 0;
}

/**
 * The latest `limit` entries (since `since`), oldest first; `more` when there are more
 * than that (the command says so: a trial's `--since 10m` printed 50 lines and no word
 * of the rest).
 */
export async function readHistory(
  client: Pick<NatterClient, 'groups' | 'group' | 'contacts' | 'contact' | 'history' | 'timeline'>,
  ref: string | undefined,
  opts: HistoryQuery,
): Promise<{ shown: Shown[]; more: boolean }> {
  const groups = new Map((await client.groups()).map((g) => [g.conversation, g]));
  let conversations: ConversationId[];
  if (ref === undefined) {
    conversations = [
      ...client.contacts().map((c) => directConversation(c.pseudonym)),
      ...groups.keys(),
    ];
  } else {
    const named = await conversationOf(client, ref);
    if (named.group !== undefined) groups.set(named.conversation, named.group);
    conversations = [named.conversation];
  }
  const entries: Shown[] = [];
  for (const conversation of conversations) {
    // The latest `limit` of each, then of all: the same as the latest `limit` overall;
    // one more of each tells whether any was left out. A group's changes are entries of
    // its history too (docs/groups.md "History").
    const kept = groups.has(conversation)
      ? await client.timeline(conversation, opts.limit + 1)
      : await client.history(conversation, opts.limit + 1);
    if (ref !== undefined && !groups.has(conversation) && kept.length === 0)
      knownOrThrow(client, ref, [...groups.values()]);
    for (const entry of kept) {
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
  const moment = (s: Shown) => ({ atMs: atMs(s.entry), conversation: s.entry.conversation });
  entries.sort((a, b) => byMoment(moment(a), moment(b)));
  return { shown: entries.slice(-opts.limit), more: entries.length > opts.limit };
}

/**
 * The conversation `ref` names: `#GROUP` a group; a NAME a contact's, or, when no contact
 * has it, one of my groups as `send --group team` takes it without its '#' (a trial's
 * `history team` was refused); else the conversation with that pseudonym.
 */
export async function conversationOf(
  client: Pick<NatterClient, 'group' | 'contact'>,
  ref: string,
): Promise<{ conversation: ConversationId; group?: GroupInfo }> {
  const group = ref.startsWith('#')
    ? await client.group(ref)
    : client.contact(ref) !== undefined
      ? undefined
      : await client.group(`#${ref}`).catch((err: unknown) => {
          if ((err as { code?: string }).code === 'E_UNKNOWN_GROUP') return undefined;
          throw err;
        });
  if (group !== undefined) return { conversation: group.conversation, group };
  nameArgOf('history', ref);
  return { conversation: directConversation(normalizePseudonym(ref)) };
}

/**
 * A NAME with no messages at all: a contact's empty conversation is a note (exit 0),
 * but a name that is nobody's here, a typo or a group without its `#`, is an error a
 * script can tell apart (a new-user trial: both said "no messages" and exited 0).
 */
export function knownOrThrow(
  client: Pick<NatterClient, 'contact'>,
  ref: string,
  groups: Parameters<typeof groupInsteadHint>[0],
): void {
  if (client.contact(ref) !== undefined) return;
  const hint = groupInsteadHint(groups, ref, (r) => `natter history '#${r}'`);
  throw cliError(
    CliCode.UnknownContact,
    `history: no contact and no messages with ${sanitize(ref)}${hint}`,
  );
}
