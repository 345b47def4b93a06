/**
 * "Did you mean /msg?" for a slash command mistyped: the command line suggests for `sned`
 * (commander), and a trial's `/mgs` got only `unknown command`. Pure.
 */

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Longest word compared: a pasted line's first word is no command, and costs nothing. */
const MAX_SUGGEST_CHARS = 32;

/**
 * The spellings closest to `word`, as commander suggests: at most two edits, and fewer than
 * half the word's letters (`/x` is not a typo of `/who`). Sorted; empty if none is close.
 */
export function closestSpellings(word: string, spellings: Iterable<string>): string[] {
  if (word.length === 0 || word.length > MAX_SUGGEST_CHARS) return [];
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const s of spellings) {
    const d = editDistance(word, s);
    if (d > 2 || d * 2 >= Math.max(word.length, s.length)) continue;
    if (d < best) [best, found] = [d, [s]];
    else if (d === best) found.push(s);
  }
  return found.sort();
}
