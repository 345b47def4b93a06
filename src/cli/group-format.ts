/**
 * Groups as the CLI prints them (`natter group`, `natter inbox`): names, members
 * and membership changes are peer text, so every one goes through sanitize().
 */
import {
  type ConversationId,
  type GroupInfo,
  type GroupNotice,
  groupNameKey,
  parseConversationId,
} from '../peer/index.js';
import { groupNoticeText } from '../peer/ui/index.js';
import { displayWidth } from '../util/text-width.js';
import { safeJson, sanitize } from './format.js';

/** Hex digits of the group id shown in lists: enough to tell groups apart, and a ref the core accepts. */
export const SHORT_GROUP_ID_DIGITS = 8;

/** A group name as typed: '#team' is how groups are shown, the name itself is 'team'. */
export function bareGroupName(name: string): string {
  return name.startsWith('#') ? name.slice(1) : name;
}

/** '#name', sanitised. */
export function groupLabel(name: string): string {
  return `#${sanitize(name)}`;
}

/**
 * A NAME that named nobody (`--to NAME` the relay does not know, `history NAME` with no
 * messages), when a group of mine is called that ('#' or not, in any case): how to reach
 * the group instead, as a clause to append; '' when none is. `command` writes the
 * command for the group's ref: its name when that is one plain word, else its id
 * prefix, so that it can be pasted as it is.
 */
export function groupInsteadHint(
  groups: readonly GroupInfo[],
  name: string,
  command: (ref: string) => string,
): string {
  const wanted = groupNameKey(bareGroupName(name));
  const group = groups.find((g) => groupNameKey(g.name) === wanted);
  // A name one of my groups had before a rename: that group, under its name now.
  const renamed = groups.find((g) =>
    (g.formerNames ?? []).some((f) => groupNameKey(f.name) === wanted),
  );
  const found = group ?? renamed;
  if (found === undefined) return '';
  const ref = /^[\p{L}\p{N}._-]+$/u.test(found.name)
    ? found.name
    : found.groupId.slice(0, SHORT_GROUP_ID_DIGITS);
  if (group === undefined)
    return `; a group of mine was called that, now ${groupLabel(found.name)}: ${command(ref)}`;
  return `; ${groupLabel(found.name)} is a group: ${command(ref)}`;
}

function roleText(g: GroupInfo): string {
  if (g.hidden) {
    const state = g.myRole === null ? 'not a member' : 'leaving';
    return `${state} (put in by someone you block)`;
  }
  return g.myRole === null ? 'not a member' : g.myRole;
}

/** `natter group list`: one aligned row per group: #name, id prefix, members, my role. */
export function groupRows(groups: readonly GroupInfo[]): string[] {
  const rows = groups.map((g) => [
    groupLabel(g.name),
    g.groupId.slice(0, SHORT_GROUP_ID_DIGITS),
    `${g.members.length} member${g.members.length === 1 ? '' : 's'}`,
    roleText(g),
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))));
  return rows.map((r) =>
    r
      .map((cell, i) => (i < 3 ? cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell)) : cell))
      .join('  '),
  );
}

/** `natter group show`: the group, then one row per member (admins first). */
export function groupDetail(g: GroupInfo): string[] {
  const members = [...g.members].sort(
    (a, b) => Number(b.role === 'admin') - Number(a.role === 'admin'),
  );
  const names = members.map((m) => sanitize(m.pseudonym));
  const width = Math.max(0, ...names.map((n) => displayWidth(n)));
  return [
    `${groupLabel(g.name)}  id ${g.groupId}  epoch ${g.epoch}`,
    `you: ${roleText(g)}`,
    `${g.members.length} member${g.members.length === 1 ? '' : 's'}:`,
    ...members.map(
      (m, i) =>
        `  ${names[i]!}${' '.repeat(width - displayWidth(names[i]!))}  ${m.fingerprint}  ${m.role}`,
    ),
  ];
}

/** A group as JSON: ids as hex, peer text raw but terminal-safe (safeJson). */
export function groupObject(g: GroupInfo) {
  return {
    id: g.groupId,
    conversation: g.conversation,
    name: g.name,
    epoch: g.epoch,
    myRole: g.myRole,
    ...(g.hidden ? { hidden: true } : {}),
    members: g.members.map((m) => ({
      pseudonym: m.pseudonym,
      userId: m.userId,
      fingerprint: m.fingerprint,
      role: m.role,
    })),
  };
}

export function groupJson(g: GroupInfo): string {
  return safeJson(groupObject(g));
}

/** The stderr line for a membership change: `natter: #team: alice added carol`. */
export function formatGroupChange(group: GroupInfo, notice: GroupNotice, me: string): string {
  return `natter: ${groupLabel(group.name)}: ${groupNoticeText(notice, me, sanitize)}`;
}

/** With --json, a change as an object of type "group". */
export function groupChangeJson(group: GroupInfo, notice: GroupNotice, atMs: number): string {
  return safeJson({
    type: 'group',
    group: { name: group.name, id: group.groupId },
    ...notice,
    at: new Date(atMs).toISOString(),
  });
}

/** The stderr line for a change the core refused: it was not applied. */
export function formatGroupWarning(e: { groupName: string; code: string; reason: string }): string {
  return `natter: warning: ${groupLabel(e.groupName)}: ${sanitize(e.reason)} (${e.code})`;
}

export function groupWarningJson(e: {
  conversation: ConversationId;
  groupName: string;
  code: string;
  reason: string;
}): string {
  const ref = parseConversationId(e.conversation);
  return safeJson({
    type: 'group-warning',
    group: { name: e.groupName, id: ref.kind === 'group' ? ref.groupId : e.conversation },
    code: e.code,
    reason: e.reason,
  });
}
