/**
 * The control socket's group requests (issue 13 item 3: "the control-socket path
 * covers groups and files too"), for `natter group ...` beside a running client
 * (natter chat holds the profile): the running client lists, shows and changes
 * groups on its own live link. A command running alone runs the same change on its
 * own client (commands/group.ts), so what it prints is the same either way.
 * Registered in the table of control-ops.ts.
 */
import type { GroupInfo, NatterClient } from '../peer/index.js';
import { runningLinkUp } from './connect.js';
import {
  badRequest as bad,
  type HandlerTable,
  type NoFields,
  noFields,
  optionalMs,
  textField as text,
} from './control-fields.js';

/** What the running client must offer for these requests. */
export type GroupControlTarget = Pick<
  NatterClient,
  | 'groups'
  | 'group'
  | 'createGroup'
  | 'addToGroup'
  | 'removeFromGroup'
  | 'promoteInGroup'
  | 'demoteInGroup'
  | 'renameGroup'
  | 'leaveGroup'
  | 'connect'
>;

/** A member's verb of `natter group`. */
export type MemberVerb = 'add' | 'remove' | 'promote' | 'demote';
export const MEMBER_VERB_NAMES: readonly MemberVerb[] = ['add', 'remove', 'promote', 'demote'];

/** One membership change, as `natter group VERB` asks for it. */
export type GroupChange =
  | { verb: 'create'; name: string; members: string[] }
  | { verb: MemberVerb; group: string; member: string }
  | { verb: 'rename'; group: string; newName: string }
  | { verb: 'leave'; group: string };

/** The group before the change (null for create) and after it (leave: as it was). */
export interface GroupChanged {
  before: GroupInfo | null;
  after: GroupInfo;
}

/** Each group request kind: its fields and its answer's (merged into ControlOps). */
export interface GroupControlOps {
  'groups.list': { request: NoFields; answer: { groups: GroupInfo[] } };
  'group.show': { request: { ref: string }; answer: { group: GroupInfo } };
  /** `waitMs` (and `failFastMs`): how long the command would wait for the relay alone. */
  'group.change': {
    request: { change: GroupChange; waitMs?: number; failFastMs?: number };
    answer: GroupChanged;
  };
}

/** Members one create request names: more than any group a LAN runs. */
export const MAX_CONTROL_GROUP_MEMBERS = 10_000;

/** The change's fields, checked: the socket is a boundary. */
export function parseGroupChange(raw: unknown): GroupChange {
  const c = (raw ?? {}) as Record<string, unknown>;
  const verb = c.verb;
  if (verb === 'create') {
    const members = c.members;
    if (
      !Array.isArray(members) ||
      members.length > MAX_CONTROL_GROUP_MEMBERS ||
      !members.every((m) => typeof m === 'string')
    )
      throw bad(`change.members: at most ${MAX_CONTROL_GROUP_MEMBERS} names`);
    return { verb, name: text(c, 'name'), members: members as string[] };
  }
  if (verb === 'rename') return { verb, group: text(c, 'group'), newName: text(c, 'newName') };
  if (verb === 'leave') return { verb, group: text(c, 'group') };
  const member = MEMBER_VERB_NAMES.find((v) => v === verb);
  if (member !== undefined)
    return { verb: member, group: text(c, 'group'), member: text(c, 'member') };
  throw bad('change.verb: create, add, remove, promote, demote, rename or leave');
}

/** Makes the change on a connected client; resolves once the relay applied it. */
export async function applyGroupChange(
  client: GroupControlTarget,
  change: GroupChange,
): Promise<GroupChanged> {
  switch (change.verb) {
    case 'create':
      return { before: null, after: await client.createGroup(change.name, change.members) };
    case 'add':
      return { before: null, after: await client.addToGroup(change.group, change.member) };
    case 'remove':
      return { before: null, after: await client.removeFromGroup(change.group, change.member) };
    case 'promote':
      return { before: null, after: await client.promoteInGroup(change.group, change.member) };
    case 'demote':
      return { before: null, after: await client.demoteInGroup(change.group, change.member) };
    case 'rename': {
      const before = await client.group(change.group);
      return { before, after: await client.renameGroup(change.group, change.newName) };
    }
    case 'leave': {
      const before = await client.group(change.group);
      await client.leaveGroup(change.group);
      return { before, after: before };
    }
  }
}

export const GROUP_OPS: HandlerTable<GroupControlOps, GroupControlTarget> = {
  'groups.list': { parse: noFields, run: async (t) => ({ groups: await t.groups() }) },
  'group.show': {
    parse: (raw) => ({ ref: text(raw, 'ref') }),
    run: async (t, r) => ({ group: await t.group(r.ref) }),
  },
  'group.change': {
    parse: (raw) => ({
      change: parseGroupChange(raw.change),
      ...optionalMs(raw, 'waitMs'),
      ...optionalMs(raw, 'failFastMs'),
    }),
    async run(t, r) {
      if (r.waitMs !== undefined) await runningLinkUp(t, r.waitMs, r.failFastMs);
      return applyGroupChange(t, r.change);
    },
  },
};
