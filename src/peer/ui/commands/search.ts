/**
 * /search TEXT: searches the local history of every known conversation, in a
 * panel; the hits are numbered, and /open N opens hit N's conversation.
 */
import type { ConversationId } from '../../index.js';
import { entryTime } from '../conversation.js';
import { MAX_SEARCH_HITS, type SearchHit, searchPanel } from '../panels.js';
import { labelOf } from '../state.js';
import { conversationIdOf, messageOffset, nameKey, sanitize } from '../text.js';
import type { CommandHost, SlashCommand } from './types.js';

export const search: SlashCommand<'search'> = {
  name: 'search',
  usage: '/search TEXT',
  summary: 'search the local history',
  parse: ({ text }) => (text === '' ? null : { kind: 'search', text }),
  async run(cmd, host) {
    host.notice(`searching the local history for “${sanitize(cmd.text)}”…`);
    const { hits, scanned, more } = await searchHistory(host, cmd.text);
    host.state.notice = null;
    const needle = sanitize(cmd.text).toLowerCase();
    host.state.lastSearch = hits.map((h) => ({
      id: h.conversation.id,
      name: h.name,
      msgId: h.entry.msgId,
      entry: h.entry,
      // Where it matched, so /open shows that part of a long message, as an offset in the
      // drawn text (sanitize turns a newline into one space, the drawing a tab into several).
      at: messageOffset(
        h.entry.text,
        Math.max(0, sanitize(h.entry.text).toLowerCase().indexOf(needle)),
      ),
    }));
    const width = host.paneWidth();
    host.showPanel(searchPanel(cmd.text, hits, host.core.me.pseudonym, width, { scanned, more }));
  },
};

/**
 * Local history search (the core has no index): every message of every known
 * conversation, scanned by the core newest first (history-search.ts),
 * case-insensitive substring, the newest MAX_SEARCH_HITS shown. Each conversation
 * stops at that many hits: the newest overall are among the newest of each.
 */
async function searchHistory(
  host: CommandHost,
  query: string,
): Promise<{ hits: SearchHit[]; scanned: number; more: boolean }> {
  const needle = query.toLowerCase();
  const hits: SearchHit[] = [];
  let scanned = 0;
  let more = false;
  const found = (entry: { text: string }) => sanitize(entry.text).toLowerCase().includes(needle);
  const scan = async (conversation: ConversationId) => {
    const r = await host.core.searchHistory(conversation, found, MAX_SEARCH_HITS);
    scanned += r.scanned;
    if (r.hits.length >= MAX_SEARCH_HITS) more = true;
    return r.hits;
  };
  const names = new Map<string, string>();
  for (const c of host.state.conversations)
    if (c.kind === 'direct') names.set(nameKey(c.name), c.name);
  for (const c of host.core.contacts())
    if (!names.has(nameKey(c.pseudonym))) names.set(nameKey(c.pseudonym), c.pseudonym);
  for (const name of names.values()) {
    for (const entry of await scan(conversationIdOf(name)))
      hits.push({ name, conversation: { id: conversationIdOf(name), label: name }, entry });
  }
  for (const conv of host.state.conversations) {
    if (conv.kind !== 'group') continue;
    for (const entry of await scan(conv.id))
      hits.push({
        name: entry.peer.pseudonym,
        conversation: { id: conv.id, label: labelOf(conv) },
        entry,
      });
  }
  hits.sort((a, b) => entryTime(b.entry) - entryTime(a.entry));
  if (hits.length > MAX_SEARCH_HITS) more = true;
  return { hits: hits.slice(0, MAX_SEARCH_HITS), scanned, more };
}
