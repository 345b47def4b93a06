/**
 * Tab completion rules, pure: command names after '/', a command's first
 * argument as its table entry says (commands/), and names in a message (in a
 * group, its members). completer.ts keeps the state of repeated Tabs.
 */
import { groupNameKey } from '../index.js';
import { COMMAND_LIST, commandNamed, severalLines } from './commands/index.js';
import { type LocalFiles, pathCandidates } from './path-completion.js';
import { nameKey } from './text.js';

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
 * Completion at `cursor` (a UTF-16 offset): command names after '/', the first
 * argument of a command that says what it completes to (names after /msg,
 * members after /kick, statuses after /status, ...), and in a message, a name
 * the word being typed starts (case-insensitively). `members`: the open group's
 * members, offered in a message instead of `names`; undefined outside a group.
 * After a command that takes paths (/send), every argument completes over `files`
 * (path-completion.ts). After /msg, a '#' completes over `groups` (my groups' names),
 * spaces and all. Input of several lines is a message, whatever it starts with. Null if
 * nothing applies.
 */
export function completionAt(
  line: string,
  cursor: number,
  names: readonly string[],
  members?: readonly string[],
  files?: LocalFiles,
  groups?: readonly string[],
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

  // Several lines are never a command (parseInput): Tab completes a name there, as in a
  // message, never a command a paste starting with '/' would not run.
  if (line.startsWith('/') && !line.startsWith('//') && !severalLines(line)) {
    if (words.length === 0) {
      if (!word.startsWith('/')) return null;
      const candidates = COMMAND_LIST.map((c) => `/${c.name}`)
        .filter((c) => c.startsWith(word.toLowerCase()))
        .sort();
      return { start, end, word, candidates };
    }
    const completes = commandNamed(words[0]!.slice(1))?.completes;
    if (completes === 'path') {
      if (files === undefined) return null;
      // A path's word runs back over escaped spaces (`my\ report.pdf`).
      const path = /(?:\\[\s\S]|[^\s\\])*$/.exec(before)?.[0] ?? '';
      const from = cursor - path.length;
      return { start: from, end, word: path, candidates: pathCandidates(path, files) };
    }
    if (completes === 'conversation') {
      const group = groupAt(before, end, groups ?? []);
      if (group !== null) return group;
    }
    if (words.length !== 1 || completes === undefined) return null;
    const options =
      completes === 'name' || completes === 'conversation'
        ? names
        : completes === 'member'
          ? (members ?? [])
          : completes === 'command'
            ? COMMAND_LIST.map((c) => c.name)
            : completes;
    return { start, end, word, candidates: matchFrom(options, word) };
  }
  if (word.length === 0) return null;
  const at = word.startsWith('@') ? 1 : 0;
  const prefix = word.slice(at);
  if (prefix.length === 0 && at === 0) return null;
  const candidates = matchFrom(members ?? names, prefix).map((n) => (at ? `@${n}` : n));
  return { start, end, word, candidates };
}

/**
 * '#' and what follows it up to the cursor, when it is the first argument (`/msg #Team T`):
 * my groups whose names start with it, as '#name', one per name (msg.ts reads a name with
 * spaces back by the longest name that fits, so nothing is quoted). Null without a '#'.
 */
function groupAt(before: string, end: number, groups: readonly string[]): Completion | null {
  const typed = /^\/\S+\s+(#.*)$/s.exec(before)?.[1];
  if (typed === undefined) return null;
  const key = groupNameKey(typed.slice(1));
  const byKey = new Map<string, string>();
  for (const g of groups) {
    const k = groupNameKey(g);
    if (k.startsWith(key) && !byKey.has(k)) byKey.set(k, `#${g}`);
  }
  const candidates = [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  return { start: before.length - typed.length, end, word: typed, candidates };
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

/**
 * `line` with [start, end) replaced; a space follows a complete (unique) choice, except
 * a folder's ('dir/'), where the path goes on.
 */
export function applyCompletion(
  line: string,
  completion: Pick<Completion, 'start' | 'end'>,
  replacement: string,
  complete: boolean,
): { line: string; cursor: number } {
  const after = line.slice(completion.end);
  const goesOn = replacement.endsWith('/');
  const space = complete && !goesOn && !after.startsWith(' ') ? ' ' : '';
  const head = line.slice(0, completion.start) + replacement + space;
  const skip = complete && !goesOn && space === '' ? 1 : 0;
  return { line: head + after, cursor: head.length + skip };
}
