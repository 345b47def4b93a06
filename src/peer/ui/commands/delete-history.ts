/**
 * /delete-history: deletes the open conversation's local history on this computer (its
 * messages, and a group's change lines), after a y/n that says how many entries go, as
 * /leave and /quit ask. What was counted is what goes: a message that arrives while the
 * question waits stays. Messages of mine still in the outbox stay, and are sent. The
 * conversation stays on the list, empty (the core's 'history:deleted' clears the view).
 *
 * A deletion made elsewhere while the question waits (`natter history NAME --delete`
 * through this chat's control socket) withdraws it with a notice (staleQuestion): a trial
 * answered yes to a count that was no longer true and read `deleted 0 entries`.
 */
import type { ConversationId, HistoryDeletion, PeerEventMap } from '../../index.js';
import { type Conversation, labelOf } from '../state.js';
import { sanitize } from '../text.js';
import type { CommandHost, SlashCommand } from './types.js';

/** Counting again after a deletion that ran while counting: more is not a user's doing. */
const MAX_COUNTS = 3;

export const deleteHistory: SlashCommand<'delete-history'> = {
  name: 'delete-history',
  usage: '/delete-history',
  summary: "delete this conversation's history on this computer (asks first)",
  parse: ({ text }) => (text === '' ? { kind: 'delete-history' } : null),
  async run(_cmd, host) {
    const conv = host.state.active();
    if (conv === undefined) {
      host.notice('no conversation open: /msg NAME first', 'error');
      return;
    }
    const label = sanitize(labelOf(conv));
    const counted = await count(host, conv);
    const n = counted.messages + counted.events;
    if (n === 0) {
      host.notice(`nothing to delete in ${label}${kept(counted)}`);
      return;
    }
    host.ask(
      `delete ${entries(n)} of ${label} from this computer? it cannot be undone (y/n)`,
      async () => {
        const done = await host.core.deleteHistory(conv.id, { beforeMs: counted.beforeMs });
        host.notice(`deleted ${entries(done.messages + done.events)} of ${label}${kept(done)}`);
      },
      questionTopic(conv.id),
    );
  },
};

/**
 * What would go, counted when no other deletion of the conversation ran meanwhile (a
 * count taken across one could be asked after its 'history:deleted' was seen).
 */
async function count(host: CommandHost, conv: Conversation): Promise<HistoryDeletion> {
  for (let i = 1; ; i++) {
    let changed = false;
    const off = host.core.on('history:deleted', (e) => {
      if (e.conversation === conv.id && e.messages + e.events > 0) changed = true;
    });
    try {
      const counted = await host.core.historyToDelete(conv.id);
      if (!changed || i === MAX_COUNTS) return counted;
    } finally {
      off();
    }
  }
}

/** The pending question's topic (InputLine.withdraw) for conversation `id`. */
const questionTopic = (id: ConversationId) => `delete-history ${id}`;

/**
 * A deletion `e` that was not the pending question's own: the question about that
 * conversation, if one waits, is withdrawn; returns the notice that says so, else null.
 */
export function staleQuestion(
  withdraw: (topic: string) => boolean,
  e: PeerEventMap['history:deleted'],
  conv: Conversation | undefined,
): string | null {
  const n = e.messages + e.events;
  if (n === 0 || !withdraw(questionTopic(e.conversation))) return null;
  const label = conv === undefined ? 'this conversation' : sanitize(labelOf(conv));
  return `${entries(n)} of ${label} ${n === 1 ? 'was' : 'were'} deleted elsewhere while /delete-history asked: question withdrawn, nothing more deleted (/delete-history counts again)`;
}

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

function kept(d: HistoryDeletion): string {
  if (d.kept === 0) return '';
  return `; kept ${d.kept} message${d.kept === 1 ? '' : 's'} of yours not sent yet`;
}
