/**
 * Tab completion over the input line: a unique match completes (with a space),
 * several complete their common prefix, and Tab again cycles through them
 * (Shift-Tab backwards). The candidates are shown in the notice line.
 */
import { applyCompletion, type Completion, commonPrefix, completionAt } from './completion.js';
import type { LineEditor } from './input.js';
import type { LocalFiles } from './path-completion.js';
import { nameKey, sanitize, truncate } from './text.js';

export class Completer {
  private cycle: { base: string; completion: Completion; index: number } | null = null;

  /** Cycling through several candidates: Tab and Shift-Tab belong to completion. */
  get active(): boolean {
    return this.cycle !== null;
  }

  reset(): void {
    this.cycle = null;
  }

  /**
   * One Tab (1) or Shift-Tab (-1) over `names` (in a group, `members` too; after /send,
   * paths over `files`; after /msg #, `groups`; see completionAt). Returns a hint for the
   * notice line, or null.
   */
  step(
    editor: LineEditor,
    names: readonly string[],
    direction: 1 | -1,
    members?: readonly string[],
    files?: LocalFiles,
    groups?: readonly string[],
  ): string | null {
    if (this.cycle !== null) {
      const { base, completion } = this.cycle;
      const n = completion.candidates.length;
      this.cycle.index = (((this.cycle.index + direction) % n) + n) % n;
      const next = applyCompletion(
        base,
        completion,
        completion.candidates[this.cycle.index]!,
        false,
      );
      editor.set(next.line, next.cursor);
      return hint(completion.candidates, this.cycle.index);
    }
    const completion = completionAt(editor.text, editor.cursor, names, members, files, groups);
    if (completion === null) return null;
    const { candidates } = completion;
    if (candidates.length === 0) return 'no match';
    if (candidates.length === 1) {
      const done = applyCompletion(editor.text, completion, candidates[0]!, true);
      editor.set(done.line, done.cursor);
      return null;
    }
    const prefix = commonPrefix(candidates);
    if (nameKey(prefix).length > nameKey(completion.word).length) {
      const grown = applyCompletion(editor.text, completion, prefix, false);
      editor.set(grown.line, grown.cursor);
      return hint(candidates, -1);
    }
    const index = direction > 0 ? 0 : candidates.length - 1;
    this.cycle = { base: editor.text, completion, index };
    const first = applyCompletion(editor.text, completion, candidates[index]!, false);
    editor.set(first.line, first.cursor);
    return hint(candidates, index);
  }
}

function hint(candidates: readonly string[], selected: number): string {
  const shown = candidates.map((c, i) => (i === selected ? `[${sanitize(c)}]` : sanitize(c)));
  return truncate(shown.join('  '), 200);
}
