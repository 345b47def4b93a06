/**
 * Styled lines onto the screen: painted into a rectangle, scrolled, anchored at
 * the bottom (a conversation) or the top (a panel); and one styled line wrapped
 * to a width. Pure.
 */
import type { Grid, Span } from './grid.js';
import type { Rect } from './layout.js';
import { wrap } from './text.js';

export type Line = Span[];

/**
 * Paints `lines` into `rect`, scrolled by `scroll` (clamped; returned). Anchored
 * at the bottom (a conversation: `scroll` lines up from the newest, lines sit
 * next to the input as in most chat clients) or at the top (a panel: `scroll`
 * lines down from its start).
 */
export function paintLines(
  grid: Grid,
  rect: Rect,
  lines: readonly Line[],
  scroll: number,
  anchor: 'top' | 'bottom' = 'bottom',
): number {
  const max = Math.max(0, lines.length - rect.h);
  const s = Math.max(0, Math.min(scroll, max));
  const start = anchor === 'top' ? s : Math.max(0, lines.length - s - rect.h);
  const shown = lines.slice(start, start + rect.h);
  const top = anchor === 'top' ? rect.y : rect.y + rect.h - shown.length;
  shown.forEach((line, i) => {
    grid.spans(rect.x, top + i, line, rect.x + rect.w);
  });
  return s;
}

/** A styled line wrapped to `width`; continuation lines are indented by `indent`. */
export function wrapSpans(line: Line, width: number, indent = 4): Line[] {
  const text = line.map((s) => s.text).join('');
  const segments = wrap(text, Math.max(1, width), Math.max(1, width - indent));
  return segments.map((seg, i) => {
    const out: Span[] = i === 0 ? [] : [{ text: ' '.repeat(indent), style: 'default' }];
    let offset = 0;
    for (const span of line) {
      const from = Math.max(seg.start, offset);
      const to = Math.min(seg.end, offset + span.text.length);
      if (from < to) out.push({ text: text.slice(from, to), style: span.style });
      offset += span.text.length;
    }
    return out;
  });
}
