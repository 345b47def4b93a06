/**
 * What `natter history` reads and deletes, on the profile's own client or through the
 * running one (natter chat holds the profile; issue 13 item 3): the same handlers either
 * way. Registered in the table of control-ops.ts; the command's side is
 * commands/history.ts and history-delete.ts. A deletion through the running chat is that
 * chat's own: its core says 'history:deleted', and the chat reads the conversation again.
 */
import type {
  ConversationId,
  HistoryDeletion,
  HistoryPruned,
  NatterClient,
} from '../peer/index.js';
import { badRequest as bad, type HandlerTable, textField as text } from './control-fields.js';
import { groupInsteadHint } from './group-format.js';
import { conversationOf, knownOrThrow, readHistory, type Shown } from './history-read.js';

/** What the client must offer for these requests. */
export type HistoryControlTarget = Pick<
  NatterClient,
  | 'me'
  | 'groups'
  | 'group'
  | 'contacts'
  | 'contact'
  | 'history'
  | 'timeline'
  | 'historyToDelete'
  | 'deleteHistory'
  | 'historyKeep'
  | 'setHistoryKeep'
>;

/** What `history --delete` took (or, `dryRun`, would take), and from where. */
export interface HistoryDeleted {
  conversation: ConversationId;
  /** The group's name, for a group's conversation. */
  group?: { name: string; id: string };
  deletion: HistoryDeletion;
}

export interface HistoryControlOps {
  history: {
    request: { ref?: string; since?: number; limit: number };
    /** `groupHint`: none shown for a NAME that is one of my groups' (groupInsteadHint). */
    /** `more`: entries beyond `limit` were left out (readHistory). */
    answer: { shown: Shown[]; more?: true; me: string; groupHint?: string };
  };
  /** `dryRun`: count only. `beforeMs` absent: every entry kept until now. */
  'history.delete': {
    request: { ref: string; beforeMs?: number; dryRun: boolean };
    answer: HistoryDeleted;
  };
  /** `natter config` for keep-history: the change (and what it deleted), then the setting. */
  'history.keep': {
    request: { change?: { keepMs: number | null } };
    answer: { keepMs: number | null; pruned?: HistoryPruned };
  };
}

/** A whole number of `key` (epoch ms, a count), as the socket must check it. */
function whole(raw: Record<string, unknown>, key: string): number {
  const v = raw[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < -1) throw bad(`${key}: a number`);
  return v;
}

/**
 * Counts, then (unless `dryRun`) deletes what was counted: the count's `beforeMs` bounds
 * the deletion, so nothing that arrives meanwhile goes. A NAME that is no contact, no
 * group and has no history here is the error `history NAME` gives (E_UNKNOWN_CONTACT).
 */
export async function deleteHistoryOf(
  t: HistoryControlTarget,
  request: { ref: string; beforeMs?: number; dryRun: boolean },
): Promise<HistoryDeleted> {
  const { conversation, group } = await conversationOf(t, request.ref);
  if (group === undefined && (await t.history(conversation, 1)).length === 0)
    knownOrThrow(t, request.ref, await t.groups());
  const bound = request.beforeMs === undefined ? {} : { beforeMs: request.beforeMs };
  const counted = await t.historyToDelete(conversation, bound);
  const deletion = request.dryRun
    ? counted
    : await t.deleteHistory(conversation, { beforeMs: counted.beforeMs });
  const where = group === undefined ? {} : { group: { name: group.name, id: group.groupId } };
  return { conversation, ...where, deletion };
}

export const HISTORY_OPS: HandlerTable<HistoryControlOps, HistoryControlTarget> = {
  history: {
    parse: (raw) => ({
      ...(raw.ref === undefined ? {} : { ref: text(raw, 'ref') }),
      ...(raw.since === undefined ? {} : { since: whole(raw, 'since') }),
      limit: whole(raw, 'limit'),
    }),
    async run(t, { ref, ...query }) {
      const { shown, more } = await readHistory(t, ref, query);
      const groupHint =
        shown.length === 0 && ref !== undefined && !ref.startsWith('#')
          ? groupInsteadHint(await t.groups(), ref, (r) => `natter history '#${r}'`)
          : '';
      return {
        shown,
        ...(more ? { more: true as const } : {}),
        me: t.me.pseudonym,
        ...(groupHint === '' ? {} : { groupHint }),
      };
    },
  },
  'history.delete': {
    parse: (raw) => ({
      ref: text(raw, 'ref'),
      ...(raw.beforeMs === undefined ? {} : { beforeMs: whole(raw, 'beforeMs') }),
      dryRun: raw.dryRun === true,
    }),
    run: (t, r) => deleteHistoryOf(t, r),
  },
  'history.keep': {
    parse(raw) {
      if (raw.change === undefined) return {};
      const keepMs = ((raw.change ?? {}) as Record<string, unknown>).keepMs;
      if (keepMs !== null && (typeof keepMs !== 'number' || !Number.isSafeInteger(keepMs)))
        throw bad('change.keepMs: a number of milliseconds or null');
      return { change: { keepMs } };
    },
    async run(t, r) {
      if (r.change === undefined) return { keepMs: await t.historyKeep() };
      const pruned = await t.setHistoryKeep(r.change.keepMs);
      return { keepMs: pruned.keepMs, pruned };
    },
  },
};
