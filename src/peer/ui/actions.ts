/**
 * What each command does, through the core's API. app.ts implements the host.
 */
import type { PresenceStatus } from '../index.js';
import type { Command } from './commands.js';
import { entryTime } from './conversation.js';
import type { ChatCore } from './core.js';
import {
  helpPanel,
  MAX_SEARCH_HITS,
  type SearchHit,
  searchPanel,
  verifyPanel,
  whoPanel,
} from './panels.js';
import type { UiSettings } from './settings.js';
import type { ChatState, NoteKind, Panel } from './state.js';
import { nameKey, sanitize } from './text.js';

/** /search reads at most this many of the latest messages per conversation. */
export const SEARCH_DEPTH = 2_000;

export interface CommandHost {
  readonly core: ChatCore;
  readonly state: ChatState;
  readonly settings: UiSettings;
  /** Opens (creating if needed) the conversation with `name`. */
  open(name: string): void;
  /** Sends `text` in the active conversation. */
  say(text: string): Promise<void>;
  showPanel(panel: Panel): void;
  notice(text: string, kind?: NoteKind): void;
  /** Asks a yes/no question in the input line; `onYes` runs on 'y' or 'yes'. */
  ask(question: string, onYes: () => Promise<void>): void;
  setOwnStatus(status: PresenceStatus, text: string): Promise<void>;
  /** Body width, for panels that lay text out. */
  paneWidth(): number;
  quit(): Promise<void>;
}

export async function runCommand(cmd: Command, host: CommandHost): Promise<void> {
  const { core, state } = host;
  switch (cmd.kind) {
    case 'say':
      return host.say(cmd.text);
    case 'msg': {
      if (nameKey(cmd.name) === nameKey(core.me.pseudonym)) {
        host.notice('that is you: pick someone else', 'error');
        return;
      }
      host.open(spelled(state, cmd.name));
      if (cmd.text !== undefined) await host.say(cmd.text);
      return;
    }
    case 'who':
      host.showPanel(whoPanel(state));
      return;
    case 'status':
      await host.setOwnStatus(cmd.status, cmd.text ?? '');
      return;
    case 'verify': {
      const contact = core.contact(cmd.name);
      if (contact === undefined) {
        host.notice(
          `no contact ${sanitize(cmd.name)} yet: safety numbers exist after a first message`,
          'error',
        );
        return;
      }
      host.showPanel(verifyPanel(contact, core.fingerprint(contact.pseudonym)));
      const name = sanitize(contact.pseudonym);
      const question = contact.keyChanged
        ? `accept ${name}'s new key? (y/n)`
        : `mark ${name} verified? (y/n)`;
      host.ask(question, () => trust(host, contact.pseudonym));
      return;
    }
    case 'trust':
      if (core.contact(cmd.name) === undefined) {
        host.notice(`no contact ${sanitize(cmd.name)}`, 'error');
        return;
      }
      await trust(host, cmd.name);
      return;
    case 'search':
      host.showPanel(
        searchPanel(cmd.text, await search(host, cmd.text), core.me.pseudonym, host.paneWidth()),
      );
      return;
    case 'help':
      host.showPanel(helpPanel(host.settings));
      return;
    case 'quit':
      await host.quit();
      return;
  }
}

async function trust(host: CommandHost, name: string): Promise<void> {
  const result = await host.core.trust(name);
  host.state.contactUpdate(result.contact);
  const who = sanitize(result.contact.pseudonym);
  host.notice(
    result.accepted
      ? `accepted ${who}'s new key; held messages are released`
      : `${who} is verified ✓`,
    'info',
  );
}

/** The user's spelling of a name if it matches someone known case-insensitively. */
function spelled(state: ChatState, name: string): string {
  return state.names().find((n) => nameKey(n) === nameKey(name)) ?? name;
}

/**
 * Local history search (the core has no index): the latest SEARCH_DEPTH messages
 * of every known conversation, case-insensitive substring, newest first.
 */
async function search(host: CommandHost, query: string): Promise<SearchHit[]> {
  const needle = query.toLowerCase();
  const hits: SearchHit[] = [];
  const names = new Map<string, string>();
  for (const c of host.state.conversations) names.set(nameKey(c.name), c.name);
  for (const c of host.core.contacts())
    if (!names.has(nameKey(c.pseudonym))) names.set(nameKey(c.pseudonym), c.pseudonym);
  for (const name of names.values()) {
    for (const entry of await host.core.conversation(name, SEARCH_DEPTH)) {
      if (sanitize(entry.text).toLowerCase().includes(needle)) hits.push({ name, entry });
    }
  }
  hits.sort((a, b) => entryTime(b.entry) - entryTime(a.entry));
  return hits.slice(0, MAX_SEARCH_HITS);
}
