/**
 * How groups read on screen: the line a membership change adds to the
 * conversation ("alice added carol"), and the /members panel. Pure.
 */
import type { GroupInfo, GroupNotice } from '../index.js';
import type { Span } from './grid.js';
import { STATUS_GLYPHS, TRUST_MARKS } from './sidebar.js';
import type { ChatState, Panel } from './state.js';
import { displayWidth, nameKey, padEnd, sanitize } from './text.js';

/**
 * One membership change in words, the user named 'you': "alice added carol",
 * "you left", "bob renamed the group to x". `clean` makes peer text safe for
 * where it is printed (the screen's sanitize, or the CLI's).
 */
export function groupNoticeText(
  notice: GroupNotice,
  me: string,
  clean: (text: string) => string = sanitize,
): string {
  const who = (name: string) => (nameKey(name) === nameKey(me) ? 'you' : clean(name));
  switch (notice.kind) {
    case 'created':
      return `${who(notice.by)} created the group`;
    case 'added':
      return `${who(notice.by)} added ${who(notice.member)}`;
    case 'removed':
      return `${who(notice.by)} removed ${who(notice.member)}`;
    case 'promoted':
      return `${who(notice.by)} made ${who(notice.member)} an admin`;
    case 'demoted':
      // An admin demoting themselves read "alice made alice a member" (a trial).
      return nameKey(notice.by) === nameKey(notice.member)
        ? `${who(notice.by)} stepped down as admin`
        : `${who(notice.by)} made ${who(notice.member)} a member (no longer admin)`;
    case 'renamed':
      return `${who(notice.by)} renamed the group to ${clean(notice.to)}`;
    case 'left':
      return `${who(notice.member)} left`;
  }
}

/** True when the change ends the user's membership (removed, or left). */
export function endsMyMembership(notice: GroupNotice, me: string): boolean {
  return (
    (notice.kind === 'removed' || notice.kind === 'left') && nameKey(notice.member) === nameKey(me)
  );
}

/** /members: every member with role, presence, fingerprint and trust; admins first. */
export function membersPanel(group: GroupInfo, state: ChatState): Panel {
  const title = `#${sanitize(group.name)}: ${group.members.length} member${group.members.length === 1 ? '' : 's'}`;
  const lines: Span[][] = [];
  if (group.myRole === null)
    lines.push([{ text: 'You are no longer a member of this group.', style: 'warn' }], []);
  const members = [...group.members].sort(
    (a, b) =>
      Number(b.role === 'admin') - Number(a.role === 'admin') ||
      (nameKey(a.pseudonym) < nameKey(b.pseudonym) ? -1 : 1),
  );
  const rows = members.map((m) => {
    const me = nameKey(m.pseudonym) === nameKey(state.me.pseudonym);
    const trust = TRUST_MARKS[state.trustOf(m.pseudonym)];
    const name = sanitize(m.pseudonym);
    const mark = me ? ' (you)' : trust.text;
    return { m, me, name, mark, markStyle: me ? ('dim' as const) : trust.style };
  });
  const width = Math.max(0, ...rows.map((r) => displayWidth(r.name + r.mark)));
  for (const { m, me, name, mark, markStyle } of rows) {
    const online = state.onlinePeer(m.pseudonym);
    const glyph = me
      ? STATUS_GLYPHS[state.ownStatus]
      : online
        ? STATUS_GLYPHS[online.status]
        : { text: '○', style: 'dim' as const };
    lines.push([
      { text: `${glyph.text} `, style: glyph.style },
      { text: name, style: me ? 'own' : 'peer' },
      { text: padEnd(mark, width - displayWidth(name)), style: markStyle },
      {
        text: m.role === 'admin' ? '  admin ' : '  member',
        style: m.role === 'admin' ? 'bold' : 'dim',
      },
      { text: `  ${m.fingerprint}`, style: 'dim' },
    ]);
  }
  lines.push(
    [],
    [
      {
        text: 'Admins: /invite, /kick, /promote, /demote NAME, /rename NEWNAME. Anyone: /leave. Esc closes.',
        style: 'dim',
      },
    ],
  );
  return { title, lines };
}
