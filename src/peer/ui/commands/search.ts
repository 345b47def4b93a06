/**
 * /search TEXT: searches the local history of every known conversation, in a
 * panel; the hits are numbered, and /open N opens hit N's conversation.
 */
import { readHistory } from '../addressing.js';
import { entryTime } from '../conversation.js';
import { MAX_SEARCH_HITS, type SearchHit, searchPanel } from '../panels.js';
import { labelOf } from '../state.js';
import { conversationIdOf, nameKey, sanitize } from '../text.js';
import type { CommandHost, SlashCommand } from './types.js';

/** /search reads at most this many of the latest messages per conversation. */
export const SEARCH_DEPTH = 2_000;

export const search: SlashCommand<'search'> = {
  name: 'search',
  usage: '/search TEXT',
  summary: 'search the local history',
  parse: ({ text }) => (text === '' ? null : { kind: 'search', text }),
  async run(cmd, host) {
    const hits = await searchHistory(host, cmd.text);
    host.state.lastSearch = hits.map((h) => ({ id: h.conversation.id, name: h.name }));
    host.showPanel(searchPanel(cmd.text, hits, host.core.me.pseudonym, host.paneWidth()));
  },
};

/**
 * Local history search (the core has no index): the latest SEARCH_DEPTH messages
 * of every known conversation, case-insensitive substring, newest first.
 */
async function searchHistory(host: CommandHost, query: string): Promise<SearchHit[]> {
  const needle = query.toLowerCase();
  const hits: SearchHit[] = [];
  const names = new Map<string, string>();
  for (const c of host.state.conversations)
    if (c.kind === 'direct') names.set(nameKey(c.name), c.name);
  for (const c of host.core.contacts())
    if (!names.has(nameKey(c.pseudonym))) names.set(nameKey(c.pseudonym), c.pseudonym);
  const found = (entry: { text: string }) => sanitize(entry.text).toLowerCase().includes(needle);
  for (const name of names.values()) {
    for (const entry of await host.core.conversation(name, SEARCH_DEPTH))
      if (found(entry))
        hits.push({ name, conversation: { id: conversationIdOf(name), label: name }, entry });
  }
  for (const conv of host.state.conversations) {
    if (conv.kind !== 'group') continue;
    for (const entry of await readHistory(host.core, conv, SEARCH_DEPTH))
      if (found(entry))
        hits.push({
          name: entry.peer.pseudonym,
          conversation: { id: conv.id, label: labelOf(conv) },
          entry,
        });
  }
  hits.sort((a, b) => entryTime(b.entry) - entryTime(a.entry));
  return hits.slice(0, MAX_SEARCH_HITS);
}
