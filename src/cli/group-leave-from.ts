/**
 * `natter group leave --all-from NAME` (commands/group.ts): every group NAME put me in,
 * left one by one (control-blocks.ts leaveAllFrom), for a spam wave that came before the
 * block. Through the running client when one holds the profile, else on this command's
 * own, connected and caught up first.
 */
import type { GroupInfo } from '../peer/index.js';
import { connectRelay, FAIL_FAST_MS } from './connect.js';
import type { CliContext } from './context.js';
import { leaveAllFrom } from './control-blocks.js';
import { callControl, runningClient } from './via-control.js';

export async function leavingAllFrom(
  ctx: CliContext,
  waitMs: number,
  from: string,
  flushMs: number,
): Promise<GroupInfo[]> {
  const control = await runningClient(ctx);
  if (control !== null) {
    try {
      const wait = { waitMs, ...(ctx.waitGiven ? {} : { failFastMs: FAIL_FAST_MS }) };
      return (await callControl(control, 'groups.leave-from', { name: from, ...wait }, null)).left;
    } finally {
      control.close();
    }
  }
  const client = await ctx.openClient({ connect: true, tellQueued: true });
  await connectRelay(ctx, client, { waitMs });
  // Groups added while this profile was away are in the inbox: caught up first.
  await client.waitForInbox({ timeoutMs: waitMs });
  const left = await leaveAllFrom(client, from);
  await client.flush(flushMs);
  await client.logout();
  return left;
}
