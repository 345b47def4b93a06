/**
 * The input line's language: plain text is a message, `/command args` a command,
 * `//text` a message starting with '/'. Parsing and Tab completion are pure.
 */
import type { PresenceStatus } from '../index.js';
import { nameKey } from './text.js';

export type Command =
  | { kind: 'say'; text: string }
  | { kind: 'msg'; name: string; text?: string }
  | { kind: 'who' }
  | { kind: 'status'; status: PresenceStatus; text?: string }
  | { kind: 'verify'; name: string }
  | { kind: 'trust'; name: string }
  | { kind: 'search'; text: string }
  | { kind: 'help' }
  | { kind: 'quit' };

export type Parsed = { ok: true; command: Command } | { ok: false; error: string };

export interface CommandHelp {
  name: string;
  usage: string;
  help: string;
  /** What the first argument completes to. */
  arg?: 'name' | 'status' | 'command';
}

export const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'msg',
    usage: '/msg NAME [TEXT]',
    help: 'open a conversation (and send TEXT)',
    arg: 'name',
  },
  { name: 'who', usage: '/who', help: 'who is online, with status and fingerprints' },
  {
    name: 'status',
    usage: '/status online|away|busy [TEXT]',
    help: 'set your status (busy: no bell or notifications)',
    arg: 'status',
  },
  {
    name: 'verify',
    usage: '/verify NAME',
    help: 'compare safety numbers, mark verified',
    arg: 'name',
  },
  { name: 'trust', usage: '/trust NAME', help: "accept a contact's changed key", arg: 'name' },
  { name: 'search', usage: '/search TEXT', help: 'search the local history' },
  { name: 'help', usage: '/help', help: 'this help', arg: 'command' },
  { name: 'quit', usage: '/quit', help: 'log out and leave (others see you go)' },
];

/** Other spellings people reach for. */
const ALIASES: Record<string, string> = { query: 'msg', q: 'quit', exit: 'quit', '?': 'help' };

const STATUSES: readonly PresenceStatus[] = ['online', 'away', 'busy'];

export function parseInput(line: string): Parsed {
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    return text.trim().length === 0
      ? { ok: false, error: 'nothing to send' }
      : { ok: true, command: { kind: 'say', text } };
  }
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line);
  const word = (match?.[1] ?? '').toLowerCase();
  const rest = match?.[2] ?? '';
  const name = ALIASES[word] ?? word;
  const [first = '', ...others] = rest.trim().split(/\s+/);
  const tail = rest.trim().slice(first.length).trim();
  const needName = (usage: string): Parsed => ({ ok: false, error: `usage: ${usage}` });
  switch (name) {
    case 'msg':
      if (first === '') return needName('/msg NAME [TEXT]');
      return {
        ok: true,
        command: { kind: 'msg', name: first, ...(tail === '' ? {} : { text: tail }) },
      };
    case 'who':
      return { ok: true, command: { kind: 'who' } };
    case 'status': {
      const status = STATUSES.find((s) => s === first.toLowerCase());
      if (status === undefined) return needName('/status online|away|busy [TEXT]');
      return {
        ok: true,
        command: { kind: 'status', status, ...(tail === '' ? {} : { text: tail }) },
      };
    }
    case 'verify':
    case 'trust':
      if (first === '' || others.length > 0) return needName(`/${name} NAME`);
      return { ok: true, command: { kind: name, name: first } };
    case 'search':
      if (rest.trim() === '') return needName('/search TEXT');
      return { ok: true, command: { kind: 'search', text: rest.trim() } };
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'quit':
      return { ok: true, command: { kind: 'quit' } };
    default:
      return { ok: false, error: `unknown command /${word} (try /help)` };
  }
}

/** What Tab can do at the cursor: replace [start, end) with one of `candidates`. */
export interface Completion {
  start: number;
  end: number;
  /** The text being completed. */
  word: string;
  /** Full replacements, sorted; a trailing space is added by applyCompletion. */
  candidates: string[];
}

/**
 * Completion at `cursor` (a UTF-16 offset): command names after '/', names after
 * /msg, /verify and /trust, statuses after /status, and in a message, a name
 * the word being typed starts (case-insensitively). Null if nothing applies.
 */
export function completionAt(
  line: string,
  cursor: number,
  names: readonly string[],
): Completion | null {
  const before = line.slice(0, cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const endMatch = /^\S*/.exec(line.slice(cursor));
  const end = cursor + (endMatch?.[0].length ?? 0);
  const words = before
    .slice(0, start)
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const matchFrom = (options: readonly string[], prefix: string) =>
    options
      .filter((o) => nameKey(o).startsWith(nameKey(prefix)))
      .sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));

  if (line.startsWith('/') && !line.startsWith('//')) {
    if (words.length === 0) {
      if (!word.startsWith('/')) return null;
      const candidates = COMMANDS.map((c) => `/${c.name}`)
        .filter((c) => c.startsWith(word.toLowerCase()))
        .sort();
      return { start, end, word, candidates };
    }
    if (words.length !== 1) return null;
    const typed = words[0]!.slice(1).toLowerCase();
    const command = COMMANDS.find((c) => c.name === (ALIASES[typed] ?? typed));
    if (command?.arg === 'name') return { start, end, word, candidates: matchFrom(names, word) };
    if (command?.arg === 'status')
      return { start, end, word, candidates: matchFrom(STATUSES, word) };
    if (command?.arg === 'command') {
      return {
        start,
        end,
        word,
        candidates: matchFrom(
          COMMANDS.map((c) => c.name),
          word,
        ),
      };
    }
    return null;
  }
  if (word.length === 0) return null;
  const at = word.startsWith('@') ? 1 : 0;
  const prefix = word.slice(at);
  if (prefix.length === 0 && at === 0) return null;
  const candidates = matchFrom(names, prefix).map((n) => (at ? `@${n}` : n));
  return { start, end, word, candidates };
}

/** The longest prefix all candidates share (case-insensitively), in the first one's spelling. */
export function commonPrefix(candidates: readonly string[]): string {
  const [first, ...rest] = candidates;
  if (first === undefined) return '';
  const chars = [...first];
  let n = chars.length;
  for (const other of rest) {
    const o = [...other];
    let i = 0;
    while (i < n && i < o.length && nameKey(chars[i]!) === nameKey(o[i]!)) i++;
    n = i;
  }
  return chars.slice(0, n).join('');
}

/** `line` with [start, end) replaced; a space follows a complete (unique) choice. */
export function applyCompletion(
  line: string,
  completion: Pick<Completion, 'start' | 'end'>,
  replacement: string,
  complete: boolean,
): { line: string; cursor: number } {
  const after = line.slice(completion.end);
  const space = complete && !after.startsWith(' ') ? ' ' : '';
  const head = line.slice(0, completion.start) + replacement + space;
  return { line: head + after, cursor: head.length + (complete && space === '' ? 1 : 0) };
}
