/**
 * The control socket's block requests: `natter block`, `unblock` and `blocked` beside a
 * running client (natter chat holds the profile), and the same handlers in-process when
 * none runs (via-control.ts), so what they print is the same either way. A name that is
 * no contact yet is looked up on the relay and pinned first, as `send --to` resolves it
 * (control-lookup.ts asContact): E_UNKNOWN_USER when nobody has it. Registered in the
 * table of control-ops.ts.
 */
import type { BlockedUser, BlockResult, GroupInfo, NatterClient } from '../peer/index.js';
import { runningLinkUp } from './connect.js';
import {
  type HandlerTable,
  type NoFields,
  noFields,
  optionalMs,
  textField as text,
} from './control-fields.js';
import { asContact } from './control-lookup.js';

/** What the running client must offer for these requests. */
export type BlockControlTarget = Pick<
  NatterClient,
  | 'block'
  | 'unblock'
  | 'blocked'
  | 'groupsAddedBy'
  | 'leaveGroup'
  | 'connect'
  | 'findUser'
  | 'relayReached'
  | 'online'
>;

/** Each block request kind: its fields and its answer's (merged into ControlOps). */
export interface BlockControlOps {
  block: { request: { name: string }; answer: BlockResult };
  unblock: { request: { name: string }; answer: BlockResult };
  blocked: { request: NoFields; answer: { blocked: BlockedUser[] } };
  /** `natter group leave --all-from NAME`: `waitMs` as `changing` (commands/group.ts) takes it. */
  'groups.leave-from': {
    request: { name: string; waitMs?: number; failFastMs?: number };
    answer: { left: GroupInfo[] };
  };
}

/**
 * Leaves every group I am in that `name` put me in (groups/adders.ts), one by one by the
 * ordinary leave, and returns them; on a connected client, caught up.
 */
export async function leaveAllFrom(t: BlockControlTarget, name: string): Promise<GroupInfo[]> {
  const groups = await asContact(t, name, () => t.groupsAddedBy(name));
  for (const g of groups) await t.leaveGroup(g.conversation);
  return groups;
}

export const BLOCK_OPS: HandlerTable<BlockControlOps, BlockControlTarget> = {
  block: {
    parse: (raw) => ({ name: text(raw, 'name') }),
    run: (t, { name }) => asContact(t, name, () => t.block(name)),
  },
  unblock: {
    parse: (raw) => ({ name: text(raw, 'name') }),
    run: (t, { name }) => asContact(t, name, () => t.unblock(name)),
  },
  blocked: { parse: noFields, run: async (t) => ({ blocked: t.blocked() }) },
  'groups.leave-from': {
    parse: (raw) => ({
      name: text(raw, 'name'),
      ...optionalMs(raw, 'waitMs'),
      ...optionalMs(raw, 'failFastMs'),
    }),
    async run(t, r) {
      if (r.waitMs !== undefined) await runningLinkUp(t, r.waitMs, r.failFastMs);
      return { left: await leaveAllFrom(t, r.name) };
    },
  },
};
