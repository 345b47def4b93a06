/**
 * /open N: the conversation of the N-th hit of the last /search, at that message (shown
 * whole, at the match, when it is long), however old: the conversation is read around it
 * (a window that may end before the newest: PageDown reads on, /collapse or a message
 * sent goes back to the newest).
 */
import type { SlashCommand } from './types.js';

export const open: SlashCommand<'open'> = {
  name: 'open',
  usage: '/open N',
  summary: 'open the conversation of /search hit N, at it',
  parse: ({ first, more }) =>
    more === 0 && /^[1-9]\d{0,3}$/.test(first) ? { kind: 'open', hit: Number(first) } : null,
  async run(cmd, host) {
    const hits = host.state.lastSearch;
    const hit = hits[cmd.hit - 1];
    if (hit === undefined) {
      const range = hits.length === 0 ? '/search TEXT first' : `hits are 1 to ${hits.length}`;
      host.notice(`no hit ${cmd.hit}: ${range}`, 'error');
      return;
    }
    if (hit.id.startsWith('@')) host.open(hit.name);
    else if (host.state.get(hit.id) !== undefined) host.showConversation(hit.id);
    else {
      host.notice('that group is no longer in the list', 'error');
      return;
    }
    host.expand(hit.msgId, hit.at);
    await host.readAround(hit.entry);
  },
};
