/**
 * Where each part of the screen goes, for a terminal size. Pure.
 *
 *   ┌ sidebar ┐│ header (who the conversation is with)
 *   │ online  ││ conversation body (history, scrolls)
 *   │ chats   ││
 *   ─────────── notice line (hints, errors, completions; a long one wraps upwards)
 *   input (1 to MAX_INPUT_ROWS rows, full width)
 *   status bar (own status, relay connection, unread total)
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  cols: number;
  rows: number;
  /** Null when the terminal is too narrow for one. */
  sidebar: Rect | null;
  /** The vertical rule right of the sidebar. */
  divider: Rect | null;
  header: Rect;
  body: Rect;
  notice: Rect;
  input: Rect;
  status: Rect;
}

/** The input grows with multi-line text up to this many rows, then scrolls. */
export const MAX_INPUT_ROWS = 5;
/** Below this width the sidebar is hidden: the conversation needs the room. */
export const MIN_COLS_FOR_SIDEBAR = 50;
export const DEFAULT_SIDEBAR_COLS = 22;

export function computeLayout(
  cols: number,
  rows: number,
  options: { inputRows?: number; noticeRows?: number; sidebarCols?: number } = {},
): Layout {
  const c = Math.max(1, cols);
  const r = Math.max(1, rows);
  const status: Rect = { x: 0, y: r - 1, w: c, h: 1 };
  // Keep at least a header and three rows of conversation when the input grows.
  const roomForInput = Math.max(1, r - 6);
  const inputRows = clamp(options.inputRows ?? 1, 1, Math.min(MAX_INPUT_ROWS, roomForInput));
  const input: Rect = { x: 0, y: Math.max(0, r - 1 - inputRows), w: c, h: inputRows };
  // A long notice wraps upwards, leaving a header and three rows of conversation.
  const noticeRows = clamp(options.noticeRows ?? 1, 1, Math.max(1, input.y - 4));
  const notice: Rect = { x: 0, y: Math.max(0, input.y - noticeRows), w: c, h: noticeRows };
  const topRows = Math.max(0, notice.y);

  let sidebar: Rect | null = null;
  let divider: Rect | null = null;
  let paneX = 0;
  if (c >= MIN_COLS_FOR_SIDEBAR) {
    const w = clamp(options.sidebarCols ?? DEFAULT_SIDEBAR_COLS, 12, Math.floor(c / 3));
    sidebar = { x: 0, y: 0, w, h: topRows };
    divider = { x: w, y: 0, w: 1, h: topRows };
    paneX = w + 1;
  }
  const paneW = c - paneX;
  const header: Rect = { x: paneX, y: 0, w: paneW, h: Math.min(1, topRows) };
  const body: Rect = { x: paneX, y: header.h, w: paneW, h: Math.max(0, topRows - header.h) };
  return { cols: c, rows: r, sidebar, divider, header, body, notice, input, status };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}
