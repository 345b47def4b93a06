/**
 * Paths as typed in the input line (`/send PATH...`, issue 12): split on spaces that are
 * not escaped (`my\ report.pdf`), `~` for the home folder, and Tab completion over the
 * local file system, one folder listing at a time. The screen reads no disk itself: the
 * listing comes in as LocalFiles (the CLI gives it the real one, tests their own), and
 * only the names in one folder are read; nothing is opened.
 */

/** One entry of a folder: its name, and whether it is a folder (completed with '/'). */
export interface DirEntry {
  name: string;
  folder: boolean;
}

/** The local file system, as far as path completion and /send need it. */
export interface LocalFiles {
  /** The user's home folder: what `~` stands for. */
  readonly home: string;
  /** Lists a folder ('' the current one; relative to it, or absolute); [] when unreadable. */
  listDir(dir: string): DirEntry[];
  /** A path made absolute from the current folder (natter chat's). */
  absolute(path: string): string;
}

/** Candidates offered at most: a huge folder is narrowed by typing, not scrolled through. */
export const MAX_PATH_CANDIDATES = 200;

/**
 * Words as a POSIX shell splits them, quoting only (no `$`, globs or operators), as file
 * managers paste paths: `my\ notes.txt`, `'my notes.txt'`, `"my notes.txt"`. Inside '…'
 * every character is itself; inside "…" a backslash escapes only `"`, `\`, `$` and a
 * backquote (POSIX 2.2.3); elsewhere it escapes any character. `open`: a quote was left
 * unclosed (/send refuses that; Tab completion takes the word as typed so far). A QA trial's
 * `/send "/tmp/x/my notes.txt"` kept the quotes in two broken paths. shell-quote and
 * string-argv were weighed and left (docs/decisions.md): the first reads `(`, `#` and `;`
 * in a plain file name as shell syntax, the second knows no backslash.
 */
export function splitWords(text: string): { words: string[]; open: boolean } {
  const words: string[] = [];
  let word = '';
  let had = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string))
        word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      had = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      had = true;
    } else if (/\s/.test(c)) {
      if (had) words.push(word);
      word = '';
      had = false;
    } else {
      word += c;
      had = true;
    }
  }
  if (had) words.push(word);
  return { words, open: quote !== null };
}

/** `a\ b "c d"` → ['a b', 'c d']: splitWords' words, an unclosed quote taken as closed. */
export function splitPaths(text: string): string[] {
  return splitWords(text).words;
}

/** `~` and `~/...` from the home folder; any other path as typed. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home.replace(/\/+$/, '')}/${path.slice(2)}`;
  return path;
}

/** Spaces and backslashes escaped, as splitPaths reads them back. */
export function escapePath(path: string): string {
  return path.replace(/([\\\s])/g, '\\$1');
}

/**
 * Tab over `word` (as typed, escapes included): every entry of its folder whose name
 * starts with what follows the last '/', as full replacements (escaped; folders end in
 * '/'). Hidden entries only when the name typed starts with '.'.
 */
export function pathCandidates(word: string, files: LocalFiles): string[] {
  const typed = splitPaths(word).join(' ');
  const cut = typed.lastIndexOf('/') + 1;
  const typedDir = typed.slice(0, cut);
  const prefix = typed.slice(cut);
  const hidden = prefix.startsWith('.');
  return files
    .listDir(expandHome(typedDir, files.home))
    .filter((e) => e.name.startsWith(prefix) && (hidden || !e.name.startsWith('.')))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, MAX_PATH_CANDIDATES)
    .map((e) => escapePath(typedDir + e.name) + (e.folder ? '/' : ''));
}
