/**
 * The whole screen, painted into a Grid from the state: sidebar, conversation
 * header and body (or a panel), the notice line, the input and the status bar.
 * Pure: app.ts passes everything in and hands the grid to the terminal.
 */
import { type Line, paintLines } from './conversation.js';
import { transferStatus } from './file-words.js';
import { Grid, type Span, type StyleName } from './grid.js';
import type { LineEditor } from './input.js';
import { computeLayout, type Layout, type Rect } from './layout.js';
import { noticeRows } from './notice.js';
import { distinctLabelOf, paintSidebar, STATUS_GLYPHS } from './sidebar.js';
import type { ChatState, Conversation } from './state.js';
import { displayWidth, padEnd, sanitize, truncate } from './text.js';

export interface ViewInput {
  state: ChatState;
  /** Display lines of the active conversation (or of the panel when one is open). */
  lines: readonly Line[];
  scroll: number;
  /** The history shown ends before the newest (scrolled back by reading older pages, or /open). */
  behind?: boolean;
  /** Messages that arrived below while scrolled back: said in the header instead. */
  newBelow?: number;
  editor: LineEditor;
  /** Shown before the input: the conversation's name, or a question. */
  prompt: string;
  sidebarCols?: number;
}

export interface ViewOutput {
  grid: Grid;
  layout: Layout;
  /** Where the terminal cursor goes (in the input). */
  cursor: { x: number; y: number };
  /** The scroll offset actually used (clamped to the history shown). */
  scroll: number;
}

const CONNECTION_TEXT = {
  connecting: 'connecting…',
  ready: 'connected',
  offline: 'offline, retrying',
  closed: 'closed',
} as const;

/** The status bar while no relay could be taken (connector.ts notFound): the note says why. */
const REFUSAL_TEXT: Record<string, string> = {
  E_NO_RELAY: 'relay: NONE HEARD on the LAN (see the note)',
  E_SEVERAL_RELAYS: 'relay: SEVERAL on the LAN, none chosen (see the note)',
};

export function paintScreen(cols: number, rows: number, v: ViewInput): ViewOutput {
  const promptWidth = displayWidth(v.prompt);
  // Lay out once to learn the input's width, then again with its row count.
  const width = Math.max(1, cols);
  const input = v.editor.view(width, promptWidth);
  const notice = v.state.notice === null ? [] : noticeRows(v.state.notice.text, width - 4);
  const layout = computeLayout(cols, rows, {
    inputRows: input.rows.length,
    noticeRows: notice.length,
    ...(v.sidebarCols === undefined ? {} : { sidebarCols: v.sidebarCols }),
  });
  const grid = new Grid(layout.cols, layout.rows);
  if (layout.sidebar) paintSidebar(grid, layout.sidebar, v.state);
  if (layout.divider) {
    for (let y = 0; y < layout.divider.h; y++) grid.write(layout.divider.x, y, '│', 'separator');
  }
  paintHeader(grid, layout.header, v);
  const scroll = paintLines(grid, layout.body, v.lines, v.scroll, v.state.panel ? 'top' : 'bottom');
  paintNotice(grid, layout.notice, v.state, notice);

  // The input: the rows around the cursor when it is taller than its area.
  const first = Math.max(
    0,
    Math.min(input.cursorRow - layout.input.h + 1, input.rows.length - layout.input.h),
  );
  grid.write(0, layout.input.y, truncate(v.prompt, Math.max(0, width - 1)), 'bold');
  for (let i = 0; i < layout.input.h; i++) {
    const row = input.rows[first + i];
    if (row !== undefined) grid.write(input.indent, layout.input.y + i, row, 'default');
  }
  const cursor = {
    x: Math.min(input.cursorCol, width - 1),
    y: layout.input.y + Math.max(0, Math.min(layout.input.h - 1, input.cursorRow - first)),
  };
  paintStatus(grid, layout.status, v.state);
  return { grid, layout, cursor, scroll };
}

function paintHeader(grid: Grid, rect: Rect, v: ViewInput): void {
  if (rect.h === 0) return;
  const s = v.state;
  const spans: Span[] = [{ text: ' ', style: 'default' }];
  const conv = s.active();
  if (s.panel) {
    spans.push({ text: s.panel.title, style: 'title' }, { text: '  (Esc closes)', style: 'dim' });
  } else if (conv?.kind === 'group') {
    spans.push(...groupHeader(conv, s));
  } else if (conv) {
    spans.push({ text: sanitize(conv.name), style: 'title' });
    // Their replies are dropped unseen: said where I write to them (a trial saw nothing).
    if (s.isBlocked(conv.name)) spans.push({ text: ' (blocked)', style: 'error' });
    spans.push({ text: ' ', style: 'default' });
    const peer = s.onlinePeer(conv.name);
    if (peer) {
      const g = STATUS_GLYPHS[peer.status];
      spans.push({ text: `${g.text} ${peer.status}`, style: g.style });
      const text = sanitize(peer.statusText);
      if (text) spans.push({ text: ` “${text}”`, style: 'dim' });
    } else {
      spans.push({ text: '○ offline', style: 'dim' });
    }
    const trust = s.trustOf(conv.name);
    const trustSpan: Record<typeof trust, Span> = {
      verified: { text: ' · verified ✓', style: 'ok' },
      unverified: { text: ` · unverified (/verify)`, style: 'dim' },
      changed: { text: ' · KEY CHANGED (/verify, /trust)', style: 'error' },
    };
    spans.push(trustSpan[trust]);
    const now = s.contact(conv.name)?.renamedTo;
    if (now !== undefined)
      spans.push({ text: ` · now ${sanitize(now)} (/msg ${sanitize(now)})`, style: 'warn' });
  } else {
    spans.push(
      { text: 'natter', style: 'title' },
      { text: '  /msg NAME to start, /help', style: 'dim' },
    );
  }
  grid.spans(rect.x, rect.y, spans, rect.x + rect.w);
  if ((v.scroll > 0 || v.behind === true) && !s.panel) {
    const n = v.newBelow ?? 0;
    // A trial found nothing said a message had come while reading back.
    const tag = n > 0 ? ` ↓ ${n} new, PgDn ` : ' ↑ scrolled, PgDn ';
    grid.write(
      rect.x + Math.max(0, rect.w - displayWidth(tag)),
      rect.y,
      tag,
      'warn',
      rect.x + rect.w,
    );
  }
}

/** '#team · 3 members · admin', or that I am no longer a member. */
function groupHeader(conv: Conversation, s: ChatState): Span[] {
  const spans: Span[] = [{ text: sanitize(distinctLabelOf(conv, s)), style: 'title' }];
  const group = s.groups.get(conv.id);
  if (group === undefined) return spans;
  const n = group.members.length;
  spans.push({ text: ` · ${n} member${n === 1 ? '' : 's'}`, style: 'dim' });
  if (group.myRole === null) spans.push({ text: ' · you are no longer a member', style: 'warn' });
  else if (group.myRole === 'admin') spans.push({ text: ' · admin', style: 'dim' });
  return spans;
}

function paintNotice(grid: Grid, rect: Rect, s: ChatState, rows: readonly string[]): void {
  grid.fill(rect.x, rect.y, rect.w, 'separator', '─');
  if (s.notice === null) return;
  const style: StyleName = s.notice.kind === 'info' ? 'system' : s.notice.kind;
  rows.slice(0, rect.h).forEach((row, i) => {
    grid.write(rect.x + 1, rect.y + i, ` ${truncate(row, Math.max(0, rect.w - 4))} `, style);
  });
}

function paintStatus(grid: Grid, rect: Rect, s: ChatState): void {
  grid.fill(rect.x, rect.y, rect.w, 'statusbar');
  const own = STATUS_GLYPHS[s.ownStatus];
  const text = sanitize(s.ownStatusText);
  const relay = s.connection.relay;
  const idle = s.autoAway ? ' (idle)' : '';
  // A transfer's progress takes the room of the relay's address while it runs.
  const files = transferStatus(s.files.active());
  const address = relay && files === null ? ` ${sanitize(relay.address)}` : '';
  const parts = [
    `${sanitize(s.me.pseudonym)} ${own.text} ${s.ownStatus}${idle}${text ? ` “${text}”` : ''}`,
    s.relayRefusal !== null && s.connection.state !== 'ready'
      ? (REFUSAL_TEXT[s.relayRefusal.code] ?? 'relay: ANOTHER KEY, retrying (/accept-relay-key)')
      : `relay ${CONNECTION_TEXT[s.connection.state]}${address}`,
  ];
  const unread = s.totalUnread();
  if (unread > 0) parts.push(`${unread} unread`);
  if (files !== null) parts.push(files);
  grid.write(rect.x, rect.y, padEnd(` ${parts.join(' │ ')}`, rect.w), 'statusbar');
}
