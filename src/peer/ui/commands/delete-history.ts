/**
 * /delete-history: deletes the open conversation's local history on this computer (its
 * messages, and a group's change lines), after a y/n that says how many entries go, as
 * /leave and /quit ask. What was counted is what goes: a message that arrives while the
 * question waits stays. Messages of mine still in the outbox stay, and are sent. The
 * conversation stays on the list, empty (the core's 'history:deleted' clears the view).
 */
import type { HistoryDeletion } from '../../index.js';
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import type { SlashCommand } from './types.js';

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
    const counted = await host.core.historyToDelete(conv.id);
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
    );
  },
};

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

function kept(d: HistoryDeletion): string {
  if (d.kept === 0) return '';
  return `; kept ${d.kept} message${d.kept === 1 ? '' : 's'} of yours not sent yet`;
}
