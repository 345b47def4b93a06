/**
 * The sidebar: who is online (status, where the entry came from, trust) and the
 * conversations (Alt-number, unread count, mention mark; a group as '#name',
 * marked '!' while a member's key changed, with an id prefix while another group has
 * its name). Pure painting.
 *
 *   Online 2
 *   ● bob?         lan
 *   ◐ carol!     relay
 *   Chats · 5 unread
 *   1 ● bob          3
 *   2   dave        @1
 *   3   #team       @2
 */
import type { OnlinePeer, PresenceStatus } from '../index.js';
import type { Grid, StyleName } from './grid.js';
import type { Rect } from './layout.js';
import { type ChatState, type Conversation, labelOf } from './state.js';
import { displayWidth, padEnd, padStart, sanitize } from './text.js';

export const STATUS_GLYPHS: Record<PresenceStatus, { text: string; style: StyleName }> = {
  online: { text: '●', style: 'online' },
  away: { text: '◐', style: 'away' },
  busy: { text: '⊘', style: 'busy' },
};

/** After a name: '?' not verified by safety number, '!' key changed, '✓' verified. */
export const TRUST_MARKS = {
  unverified: { text: '?', style: 'dim' },
  changed: { text: '!', style: 'error' },
  verified: { text: '✓', style: 'ok' },
} as const satisfies Record<string, { text: string; style: StyleName }>;

const SOURCE_LABELS: Record<OnlinePeer['source'], string> = {
  lan: 'lan',
  relay: 'relay',
  both: 'both',
};

export function paintSidebar(grid: Grid, rect: Rect, state: ChatState): void {
  if (rect.h <= 0 || rect.w <= 2) return;
  const w = rect.w - 1;
  const online = state.onlineList();
  const chats = state.conversations;
  // Both sections get room; the chats keep at least half when space is short.
  const chatRows = Math.min(chats.length + 1, Math.max(2, Math.ceil(rect.h / 2)));
  const onlineRows = Math.max(1, Math.min(online.length + 2, rect.h - chatRows));
  let y = rect.y;
  const bottom = rect.y + rect.h;

  grid.write(rect.x, y++, padEnd(`Online ${online.length}`, w), 'title', rect.x + w);
  const onlineFit = onlineRows - 2;
  online
    .slice(0, Math.max(0, online.length > onlineFit ? onlineFit - 1 : onlineFit))
    .forEach((p) => {
      if (y < bottom) paintPeer(grid, rect.x, y++, w, p, state);
    });
  if (online.length > onlineFit && y < bottom) {
    grid.write(
      rect.x,
      y++,
      `  +${online.length - Math.max(0, onlineFit - 1)} more (/who)`,
      'dim',
      rect.x + w,
    );
  }
  if (online.length === 0 && y < bottom) grid.write(rect.x, y++, '  nobody yet', 'dim', rect.x + w);
  y = Math.max(y, Math.min(bottom - chatRows, rect.y + onlineRows));
  if (y >= bottom) return;

  grid.write(rect.x, y++, padEnd(chatsTitle(state.totalUnread()), w), 'title', rect.x + w);
  // Too many to show: a window that keeps the open one in view, and a count of the rest.
  const room = bottom - y;
  const shown = chats.length <= room ? chats.length : Math.max(1, room - 1);
  const at = chats.findIndex((c) => c.id === state.activeId);
  const first = Math.max(0, Math.min(at - shown + 1, chats.length - shown));
  chats.slice(first, first + shown).forEach((conv, k) => {
    const i = first + k;
    const active = conv.id === state.activeId;
    const index = i < 9 ? String(i + 1) : ' ';
    const badge = conv.unread > 0 ? `${conv.mentioned ? '@' : ''}${conv.unread}` : '';
    const peer = conv.kind === 'direct' ? state.onlinePeer(conv.name) : undefined;
    const glyph = peer ? STATUS_GLYPHS[peer.status] : { text: ' ', style: 'default' as const };
    const gone = conv.kind === 'group' && state.groups.get(conv.id)?.myRole === null;
    const nameStyle: StyleName = active
      ? 'selected'
      : conv.mentioned
        ? 'mention'
        : conv.unread > 0
          ? 'unread'
          : gone
            ? 'dim'
            : 'default';
    const base: StyleName = active ? 'selected' : 'default';
    grid.fill(rect.x, y, w, base);
    let x = grid.write(rect.x, y, `${index} `, active ? 'selected' : 'dim');
    x = grid.write(x, y, glyph.text, active ? 'selected' : glyph.style);
    x = grid.write(x, y, ' ', base);
    const badgeWidth = badge === '' ? 0 : displayWidth(badge) + 1;
    const nameWidth = Math.max(1, rect.x + w - x - badgeWidth - 1);
    const mark = conversationMark(conv, state);
    x = writeName(grid, x, y, distinctLabelOf(conv, state), nameWidth, nameStyle, mark, active);
    if (badge !== '') {
      grid.write(
        rect.x + w - badgeWidth,
        y,
        padStart(badge, badgeWidth),
        active ? 'selected' : conv.mentioned ? 'mention' : 'unread',
      );
    }
    y++;
  });
  if (shown < chats.length && y < bottom) {
    const hidden = [...chats.slice(0, first), ...chats.slice(first + shown)];
    const unread = hidden.reduce((n, c) => n + c.unread, 0);
    const style: StyleName = hidden.some((c) => c.mentioned)
      ? 'mention'
      : unread > 0
        ? 'unread'
        : 'dim';
    grid.write(rect.x, y, moreLine(hidden.length, unread, w), style, rect.x + w);
  }
}

/**
 * The line under a list cut short: how many are not shown and, when some of them have
 * unread messages, how many (a trial saw only the heading's total grow and could not tell
 * where); the longest wording that fits `width`.
 */
export function moreLine(hidden: number, unread: number, width: number): string {
  const forms =
    unread > 0
      ? [`  +${hidden} more, ${unread} unread (Tab)`, `  +${hidden} more, ${unread} unread`]
      : [];
  forms.push(unread > 0 ? `  +${hidden}, ${unread} unread` : `  +${hidden} more (Tab)`);
  return forms.find((f) => displayWidth(f) <= width) ?? forms[forms.length - 1]!;
}

/**
 * labelOf, and for a group whose name another group of mine has, its id tag after it
 * (`#ops (494b)`, GroupBook.idTag): where the name alone does not say which group.
 */
export function distinctLabelOf(
  conv: Pick<Conversation, 'id' | 'kind' | 'name'>,
  state: ChatState,
): string {
  const tag = conv.kind === 'group' ? state.groups.idTag(conv.id) : null;
  return tag === null ? labelOf(conv) : `${labelOf(conv)} (${tag})`;
}

/** After a blocked person's name, in place of their trust: their replies are not shown. */
export const BLOCKED_MARK = { text: '×', style: 'error' } as const;

/** A 1:1 chat: the peer's trust, or '×' if blocked. A group: '!' while a member's key changed. */
function conversationMark(
  conv: Conversation,
  state: ChatState,
): { text: string; style: StyleName } {
  if (conv.kind === 'direct')
    return state.isBlocked(conv.name) ? BLOCKED_MARK : TRUST_MARKS[state.trustOf(conv.name)];
  const changed = state.groups
    .memberNames(conv.id, state.me.pseudonym)
    .some((n) => state.trustOf(n) === 'changed');
  return changed ? TRUST_MARKS.changed : { text: '', style: 'default' };
}

function paintPeer(
  grid: Grid,
  x0: number,
  y: number,
  w: number,
  p: OnlinePeer,
  state: ChatState,
): void {
  const glyph = STATUS_GLYPHS[p.status];
  let x = grid.write(x0, y, glyph.text, glyph.style);
  x = grid.write(x, y, ' ', 'default');
  const source = SOURCE_LABELS[p.source];
  const nameWidth = Math.max(1, x0 + w - x - source.length - 1);
  const trust = p.keyChanged ? 'changed' : p.verified ? 'verified' : state.trustOf(p.pseudonym);
  writeName(
    grid,
    x,
    y,
    p.pseudonym,
    nameWidth,
    p.status === 'online' ? 'default' : p.status,
    TRUST_MARKS[trust],
    false,
  );
  grid.write(x0 + w - source.length, y, source, 'dim', x0 + w);
}

/** A sanitised name and its trust mark, cut to `width` columns in all. */
function writeName(
  grid: Grid,
  x: number,
  y: number,
  raw: string,
  width: number,
  style: StyleName,
  mark: { text: string; style: StyleName },
  active: boolean,
): number {
  const name = padEnd(sanitize(raw), Math.max(0, width - 1));
  const trimmed = name.replace(/ +$/, '');
  let col = grid.write(x, y, trimmed, style);
  col = grid.write(col, y, mark.text, active ? 'selected' : mark.style);
  return grid.write(
    col,
    y,
    ' '.repeat(Math.max(0, width - displayWidth(trimmed) - 1)),
    active ? 'selected' : 'default',
  );
}

/**
 * The Chats heading: the unread count said as such ("Online 2" counts people; a bare
 * "Chats 5" read as five chats, a trial found), nothing when all is read.
 */
export function chatsTitle(unread: number): string {
  return unread > 0 ? `Chats · ${unread} unread` : 'Chats';
}
