/**
 * Keeping what is read in place when a page of history is put at one end of what is held
 * (history-view.ts): older entries above, newer ones below, and the far end dropped. The
 * offset counts lines up from the bottom, and both ends may have moved, so no count of
 * lines added says where the reader was: a message line on screen, found again by what it
 * shows (its message and offset, collapse.ts), does.
 */
import { tagOf } from './collapse.js';
import type { Line } from './paint-lines.js';

/**
 * The offset in `lines` that shows what offset `scroll` showed in `before` (an offset
 * beyond either end, asked for while the page was read, goes on into the page the same
 * distance); `scroll` itself when no message line of `before` is among `lines`.
 */
export function keptScroll(
  before: readonly Line[],
  lines: readonly Line[],
  scroll: number,
): number {
  const at = new Map<string, number>();
  lines.forEach((line, i) => {
    const t = tagOf(line);
    if (t !== undefined) at.set(`${t.msgId}@${t.start}`, i);
  });
  const bottom = before.length - 1 - scroll;
  const from = Math.max(0, Math.min(before.length - 1, bottom));
  // The message line nearest the bottom row shown that is drawn in both.
  for (let d = 0; d < before.length; d++) {
    for (const i of d === 0 ? [from] : [from - d, from + d]) {
      const line = before[i];
      const t = line === undefined ? undefined : tagOf(line);
      const now = t === undefined ? undefined : at.get(`${t.msgId}@${t.start}`);
      if (now !== undefined) return lines.length - 1 - (now + (bottom - i));
    }
  }
  return scroll;
}
