/**
 * Full-pane views that replace the conversation until Esc: /help, /who,
 * /verify, /search. Pure builders of styled lines.
 */
import type { ContactInfo, ConversationId, HistoryEntry } from '../index.js';
import type { CommandInfo } from './commands/index.js';
import { clock, dayLabel, entryTime } from './conversation.js';
import type { Span, StyleName } from './grid.js';
import type { UiSettings } from './settings.js';
import { STATUS_GLYPHS, TRUST_MARKS } from './sidebar.js';
import type { ChatState, Panel } from './state.js';
import { displayWidth, padEnd, sanitize, truncate, wrap } from './text.js';

const line = (text: string, style: StyleName = 'default'): Span[] => [{ text, style }];

const KEYS: [string, string][] = [
  ['Enter', 'send / run the command'],
  ['Ctrl-J, Alt-Enter', 'new line (pasting several lines works too)'],
  ['Tab', 'complete; with empty input, next conversation'],
  ['Shift-Tab', 'previous conversation'],
  ['Alt-1..9', 'conversation by number'],
  ['PgUp/PgDn', 'scroll back through history'],
  ['Up/Down', 'input history'],
  ['Esc', 'close this panel'],
  ['Ctrl-C', 'log out and quit'],
];

/** /help: the commands (the command table, in its order), the keys, the sidebar, the settings. */
export function helpPanel(
  commands: readonly CommandInfo[],
  settings: UiSettings,
  profileDir?: string,
): Panel {
  const lines: Span[][] = [line('Commands', 'title')];
  for (const c of commands)
    lines.push([
      { text: padEnd(`  ${c.usage}`, 36), style: 'bold' },
      { text: c.summary, style: 'default' },
    ]);
  lines.push(line(''), line('Keys', 'title'));
  // As wide as the widest key, and two spaces: a fixed 14 cut 'Ctrl-J, Alt-Enter' short.
  const keyCols = Math.max(...KEYS.map(([k]) => displayWidth(k))) + 4;
  for (const [k, what] of KEYS)
    lines.push([
      { text: padEnd(`  ${k}`, keyCols), style: 'bold' },
      { text: what, style: 'default' },
    ]);
  lines.push(
    line(''),
    line('Sidebar', 'title'),
    line('  ● online  ◐ away  ⊘ busy;  lan / relay / both: where we see them'),
    line('  ? unverified  ✓ verified (/verify)  ! key changed (/trust)'),
    line('  n: unread messages, @n: one of them mentions you (in a group: @yourname)'),
    line('  #name: a group (/members, /invite, /kick, /promote, /demote, /rename, /leave)'),
    line(''),
    line('Settings (ui.json in the profile, or natter chat flags)', 'title'),
    line(
      `  autoAwayMinutes ${settings.autoAwayMinutes}  bell ${settings.bell}  desktopNotifications ${settings.desktopNotifications}`,
    ),
    line(`  sidebarWidth ${settings.sidebarWidth}  historyPageSize ${settings.historyPageSize}`),
    line(
      '  profile settings: natter config get (download-dir, auto-accept, max-incoming, keep-history)',
    ),
    line('  natter config set keep-history 90d deletes older history from this computer'),
  );
  if (profileDir !== undefined) lines.push(line(`  ${profileDir}`, 'dim'));
  return { title: 'Help', lines };
}

export function whoPanel(state: ChatState): Panel {
  const peers = state.onlineList();
  const lines: Span[][] = [
    line(
      `you: ${sanitize(state.me.pseudonym)}  ${state.me.fingerprint}  ${state.ownStatus}`,
      'dim',
    ),
    line(''),
  ];
  if (peers.length === 0) lines.push(line('Nobody else is online (that we can see).', 'dim'));
  for (const p of peers) {
    const g = STATUS_GLYPHS[p.status];
    const trust = TRUST_MARKS[p.keyChanged ? 'changed' : p.verified ? 'verified' : 'unverified'];
    lines.push([
      { text: `${g.text} `, style: g.style },
      { text: sanitize(p.pseudonym), style: 'peer' },
      { text: trust.text, style: trust.style },
      { text: `  ${p.status}`, style: g.style },
      { text: `  via ${p.source}${p.address ? ` ${sanitize(p.address)}` : ''}`, style: 'dim' },
    ]);
    const text = sanitize(p.statusText);
    lines.push(line(`    ${p.fingerprint}${text ? `  “${text}”` : ''}`, 'dim'));
  }
  return { title: `Online: ${peers.length}`, lines };
}

/** 60 digits as three rows of four groups, for reading aloud. */
export function safetyRows(safety: string): string[] {
  const groups = safety.split(/\s+/).filter((g) => g.length > 0);
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 4) rows.push(groups.slice(i, i + 4).join(' '));
  return rows;
}

/**
 * /verify: the one safety number the y/n below it accepts. `key` is the pending key it
 * belongs to, with its place among several (1-based); none for the pinned key.
 */
export function verifyPanel(
  contact: ContactInfo,
  safety: string,
  key?: { index: number; of: number; fingerprint: string },
): Panel {
  const name = sanitize(contact.pseudonym);
  const which =
    key === undefined
      ? ''
      : key.of > 1
        ? ` (for NEW key ${key.index} of ${key.of}, ${key.fingerprint})`
        : ' (for their NEW key)';
  const lines: Span[][] = [
    line(`Safety number with ${name}${which}:`),
    line(''),
    ...safetyRows(safety).map((r) => line(`    ${r}`, 'bold')),
    line(''),
    line(`Compare it with what ${name} sees (in person or by voice).`),
  ];
  if (contact.keyChanged) {
    lines.push(
      line(
        `Their key CHANGED: messages to and from ${name} are held until you accept it.`,
        'error',
      ),
    );
  } else if (contact.verified) {
    lines.push(line(`${name} is already verified ✓`, 'ok'));
    lines.push(line('Nothing to answer: the number is here to compare again. Esc closes.', 'dim'));
    return { title: `Verify ${name}`, lines };
  }
  lines.push(
    line('If the numbers match, answer y below: this number, and no other, is accepted.', 'dim'),
  );
  return { title: `Verify ${name}`, lines };
}

/**
 * /verify with several changed keys pending: every one, numbered, with its safety
 * number. At most one can be the contact's; the user picks it by number.
 */
export function pendingKeysPanel(contact: ContactInfo): Panel {
  const name = sanitize(contact.pseudonym);
  const keys = contact.pendingKeys;
  const lines: Span[][] = [
    line(
      `${keys.length} NEW keys arrived for ${name}; at most one of them is really theirs.`,
      'error',
    ),
    line(''),
  ];
  keys.forEach((k, i) => {
    lines.push(line(`  ${i + 1}. ${k.fingerprint}  first seen ${clock(k.seenAtMs)}`));
    lines.push(...safetyRows(k.safetyNumber).map((r) => line(`       ${r}`, 'bold')));
    lines.push(line(''));
  });
  lines.push(
    line(`Compare with what ${name} sees, then /verify ${name} N for the key that matches.`),
    line('If none matches, accept none: messages stay held.', 'dim'),
  );
  return { title: `Verify ${name}`, lines };
}

export interface SearchHit {
  /** Who wrote it (for my own messages, whom I wrote to). */
  name: string;
  /** The conversation it is from: its id, and its label ('bob', '#team'), shown before the name. */
  conversation: { id: ConversationId; label: string };
  entry: HistoryEntry;
}

/**
 * Results, newest first, numbered for /open N, each with the conversation it is
 * from; the query highlighted where it matches.
 */
export function searchPanel(
  query: string,
  hits: readonly SearchHit[],
  me: string,
  width: number,
  /** Messages read, every one of the local history unless `more`; more matches than shown. */
  searched: { scanned: number; more: boolean } = { scanned: 0, more: false },
): Panel {
  const q = sanitize(query);
  const lines: Span[][] = [];
  const all = `all ${searched.scanned.toLocaleString('en-US')} messages of the local history`;
  if (hits.length === 0) lines.push(line(`Nothing in ${all} matches “${q}”.`, 'dim'));
  const numberWidth = String(hits.length).length;
  for (const [i, { name, conversation, entry }] of hits.entries()) {
    const at = entryTime(entry);
    const n = `${String(i + 1).padStart(numberWidth)}.`;
    const where = `[${truncate(sanitize(conversation.label), 16)}]`;
    const head = `${n} ${dayLabel(at).replace(/ \d{4}$/, '')} ${clock(at)} ${where} `;
    const who = truncate(sanitize(entry.direction === 'out' ? me : name), 16);
    const text = sanitize(entry.text);
    const room = Math.max(8, width - displayWidth(head) - displayWidth(who) - 2);
    const hit = text.toLowerCase().indexOf(q.toLowerCase());
    // A long message is shown around the match, a short one whole.
    const from = displayWidth(text) <= room ? 0 : Math.max(0, hit - Math.floor(room / 3));
    const snippet = truncate((from > 0 ? '…' : '') + text.slice(from), room);
    const spans: Span[] = [
      { text: head, style: 'dim' },
      { text: who, style: entry.direction === 'out' ? 'own' : 'peer' },
      { text: ': ', style: 'dim' },
    ];
    let pos = 0;
    for (const m of findPlain(snippet, q)) {
      spans.push(
        { text: snippet.slice(pos, m.start), style: 'default' },
        { text: snippet.slice(m.start, m.end), style: 'mention' },
      );
      pos = m.end;
    }
    spans.push({ text: snippet.slice(pos), style: 'default' });
    lines.push(spans);
  }
  if (hits.length > 0) {
    const what = searched.more
      ? `More match: the newest ${hits.length} are shown (a longer word finds fewer).`
      : `Searched ${all}.`;
    lines.push(line(''), line(what, 'dim'), line('/open N opens the conversation of hit N', 'dim'));
  }
  const panel = {
    title: `Search “${truncate(q, 30)}”: ${hits.length}${searched.more ? '+' : ''} found`,
    lines,
  };
  searchPanels.add(panel);
  return panel;
}

/** The panels searchPanel() made, known by identity. */
const searchPanels = new WeakSet<Panel>();

/** `panel` lists /search hits (a deletion may have taken them). */
export function isSearchPanel(panel: Panel | null): boolean {
  return panel !== null && searchPanels.has(panel);
}

/** Shown at most; the newest win. */
export const MAX_SEARCH_HITS = 200;

function findPlain(text: string, query: string): { start: number; end: number }[] {
  if (query.length === 0) return [];
  const out: { start: number; end: number }[] = [];
  const hay = text.toLowerCase();
  const needle = query.toLowerCase();
  // Lower-casing can change lengths outside ASCII; fall back to no highlight then.
  if (hay.length !== text.length) return [];
  let i = hay.indexOf(needle);
  while (i !== -1) {
    out.push({ start: i, end: i + needle.length });
    i = hay.indexOf(needle, i + needle.length);
  }
  return out;
}

/** What the pane shows before any conversation is open. */
export function welcomeLines(me: string, fingerprint: string, width: number): Span[][] {
  const text = [
    `Welcome, ${sanitize(me)}. Your fingerprint: ${fingerprint}`,
    '',
    'People online appear on the left. /msg NAME starts a conversation, /group create NAME a group, Tab completes names, /help lists commands and keys, Ctrl-C logs out.',
  ].join('\n');
  return wrap(text, Math.max(1, width)).map((seg, i) => [
    { text: text.slice(seg.start, seg.end), style: i === 0 ? 'bold' : 'default' },
  ]);
}
