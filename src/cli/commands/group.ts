/**
 * `natter group ...`: group conversations (issue 11). Changes (create, add, remove,
 * promote, demote, rename, leave) connect, are signed by the core, applied by the
 * relay (which refuses what the user may not do, with a code: E_GROUP_NOT_ADMIN,
 * ...) and printed once applied. `list` and `show` read the profile only: groups
 * someone else changed are up to date after any command that connected
 * (`natter inbox`). GROUP is a group's name, `#name`, or a prefix of its id (from
 * `natter group list`), as the core resolves it.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type GroupUpdate, type NatterClient, pseudonymKey } from '../../peer/index.js';
import { connectRelay, FAIL_FAST_MS } from '../connect.js';
import { type CliContext, UsageError } from '../context.js';
import {
  applyGroupChange,
  type GroupChange,
  type GroupChanged,
  type MemberVerb,
} from '../control-groups.js';
import { safeJson, sanitize } from '../format.js';
import {
  bareGroupName,
  formatGroupChange,
  formatGroupWarning,
  groupDetail,
  groupJson,
  groupLabel,
  groupObject,
  groupRows,
} from '../group-format.js';
import { leavingAllFrom } from '../group-leave-from.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { nameArgOf, withoutAt } from '../send-input.js';
import { callControl, perform, runningClient } from '../via-control.js';

/**
 * After a change, how long queued work (sender keys for an added member, receipts)
 * may take to reach the relay before the command exits; what is left goes next time.
 */
export const GROUP_FLUSH_MS = 2_000;

interface ChangeOptions {
  wait: number;
  json?: boolean;
}

/** send-file.ts takes it from here. */
export { knownGroup } from '../group-target.js';

/** `--members a,b --members c`: names, commas or repeats, blanks dropped. */
export function parseMemberList(value: string, previous: string[] = []): string[] {
  const names = value
    .split(',')
    .map((n) => withoutAt(n.trim()))
    .filter((n) => n.length > 0);
  if (names.length === 0 && value.trim().length > 0)
    throw new InvalidArgumentError('expected names separated by commas');
  return [...previous, ...names];
}

/** A member's verb: the core's method, and what is printed once the relay applied it. */
const MEMBER_VERBS = {
  add: {
    summary: 'add NAME to the group (admins)',
    done: (n: string, g: string) => `added ${n} to ${g}`,
  },
  remove: {
    summary: 'remove NAME from the group (admins); they cannot read anything sent afterwards',
    done: (n: string, g: string) => `removed ${n} from ${g}`,
  },
  promote: {
    summary: 'make NAME an admin of the group (admins)',
    done: (n: string, g: string) => `${n} is now an admin of ${g}`,
  },
  demote: {
    summary: 'make admin NAME a plain member again (admins)',
    done: (n: string, g: string) => `${n} is no longer an admin of ${g}`,
  },
} as const;

export function addGroupCommands(program: Command, withContext: WithContext): void {
  const group = program
    .command('group')
    .description('group conversations: create them, change who is in them, list them');

  withChangeOptions(
    group
      .command('create')
      .description('create a group with you as its admin, and add --members')
      .argument('<name>', 'the group name')
      .option('--members <names>', 'members to add, separated by commas', parseMemberList, []),
  ).action(
    withContext(async (ctx, name: string, opts: ChangeOptions & { members: string[] }) => {
      const { after: info } = await changing(ctx, opts, {
        verb: 'create',
        name: bareGroupName(name),
        members: opts.members,
      });
      if (opts.json) return ctx.out(groupJson(info));
      const who = info.members.map(
        (m) => `${sanitize(m.pseudonym)}${m.role === 'admin' ? ' (admin)' : ''}`,
      );
      ctx.out(`created ${groupLabel(info.name)} (id ${info.groupId}): ${who.join(', ')}`);
    }),
  );

  for (const [verb, v] of Object.entries(MEMBER_VERBS)) {
    withChangeOptions(
      group
        .command(verb)
        .description(v.summary)
        .argument('<group>', 'the group: its name, #name or an id prefix')
        .argument('<name>', 'the member'),
    ).action(
      withContext(async (ctx, ref: string, typed: string, opts: ChangeOptions) => {
        const name = withoutAt(typed);
        const change = { verb: verb as MemberVerb, group: ref, member: name };
        const { after: info } = await changing(ctx, opts, change);
        ctx.out(opts.json ? groupJson(info) : v.done(sanitize(name), groupLabel(info.name)));
      }),
    );
  }

  withChangeOptions(
    group
      .command('rename')
      .description('rename the group (admins); every member sees it')
      .argument('<group>', 'the group: its name, #name or an id prefix')
      .argument('<newname>', 'the new name'),
  ).action(
    withContext(async (ctx, ref: string, newName: string, opts: ChangeOptions) => {
      const { before, after } = await changing(ctx, opts, {
        verb: 'rename',
        group: ref,
        newName: bareGroupName(newName),
      });
      if (opts.json) return ctx.out(groupJson(after));
      ctx.out(`renamed ${groupLabel(before?.name ?? '')} to ${groupLabel(after.name)}`);
    }),
  );

  group
    .command('leave')
    .description('leave the group: you get nothing sent to it afterwards')
    .argument('[group]', 'the group: its name, #name or an id prefix')
    .option(
      '--all-from <name>',
      'instead: leave every group NAME added you to (a spam wave; natter block NAME stops the next)',
    )
    .option('--wait <ms>', 'how long to try to reach (or find) the relay', parseMs, 30_000)
    .action(
      withContext(
        async (ctx, ref: string | undefined, opts: ChangeOptions & { allFrom?: string }) => {
          if ((ref === undefined) === (opts.allFrom === undefined))
            throw new UsageError('group leave: name one GROUP, or --all-from NAME');
          if (opts.allFrom !== undefined) {
            const from = nameArgOf('group leave --all-from', opts.allFrom);
            const left = await leavingAllFrom(ctx, opts.wait, from, GROUP_FLUSH_MS);
            for (const g of left) ctx.out(`left ${groupLabel(g.name)}`);
            if (left.length === 0) ctx.out(`${sanitize(from)} added you to none of your groups`);
            return;
          }
          const { after: info } = await changing(ctx, opts, { verb: 'leave', group: ref! });
          ctx.out(`left ${groupLabel(info.name)}`);
        },
      ),
    );

  group
    .command('list')
    .description('the groups you are in: #name, id prefix, members, your role (from the profile)')
    .option('--all', 'also the groups you left or were removed from')
    .option('--json', 'a JSON array of groups with their members')
    .action(
      withContext(async (ctx, opts: { json?: boolean; all?: boolean }) => {
        const { groups: every } = await perform(ctx, 'groups.list', {});
        // Left groups only when asked: a trial's `--all-from` left nine, all still listed.
        const groups = opts.all ? every : every.filter((g) => g.myRole !== null && !g.hidden);
        const left = every.length - groups.length;
        if (opts.json) ctx.out(safeJson(groups.map(groupObject)));
        else if (groups.length > 0) for (const row of groupRows(groups)) ctx.out(row);
        else if (left > 0) ctx.out(`you are in no group (${left} left: natter group list --all)`);
        else ctx.out('no groups yet: natter group create NAME');
      }),
    );

  group
    .command('show')
    .description('one group: id, epoch, your role, members with fingerprints and roles')
    .argument('<group>', 'the group: its name, #name or an id prefix')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, ref: string, opts: { json?: boolean }) => {
        const { group: info } = await perform(ctx, 'group.show', { ref });
        if (opts.json) ctx.out(groupJson(info));
        else for (const line of groupDetail(info)) ctx.out(line);
      }),
    );
}

function withChangeOptions(command: Command): Command {
  return command
    .option('--wait <ms>', 'how long to try to reach (or find) the relay', parseMs, 30_000)
    .option('--json', 'print the group as it is now, as JSON');
}

/**
 * Membership changes others made that reach a command connected for something else
 * (send, a change of its own): one stderr line each, as `natter inbox` prints them,
 * at once from the event (one may come while the command logs out). The core also
 * keeps them until a UI takes them; they are taken here too, so the next inbox does
 * not print them again, and any kept from an earlier command are printed. Mine are
 * the command's own output. Returns what to await before logging out (the profile's
 * store closes then); a take that misses it leaves the records to the next inbox.
 */
export function tellGroupChanges(ctx: CliContext, client: NatterClient): () => Promise<void> {
  const me = client.me.pseudonym;
  const told = new Set<string>();
  /** Groups a blocked key put me in (GroupInfo.hidden, or the event's addedBy): not told. */
  const hidden = new Set<string>();
  const tell = (u: GroupUpdate) => {
    const key = updateKey(u);
    const by = u.type === 'changed' ? u.addedBy : undefined;
    if (u.type === 'changed' && (u.group.hidden || client.blocked().some((b) => b.userId === by)))
      hidden.add(u.group.groupId);
    if (u.type === 'changed' && hidden.has(u.group.groupId)) return;
    if (told.has(key)) return;
    told.add(key);
    if (u.type === 'warning') ctx.io.stderr.write(`${formatGroupWarning(u)}\n`);
    else if (!('by' in u.notice && pseudonymKey(u.notice.by) === pseudonymKey(me))) {
      ctx.io.stderr.write(`${formatGroupChange(u.group, u.notice, me)}\n`);
    }
  };
  let taking: Promise<void> = Promise.resolve();
  const take = () => {
    taking = taking
      .then(async () => {
        for (const u of await client.takeGroupUpdates()) tell(u);
      })
      .catch(() => undefined);
  };
  client.on('group:changed', (e) => {
    tell({ type: 'changed', ...e });
    take();
  });
  client.on('group:warning', (e) => {
    tell({ type: 'warning', atMs: -1, ...e });
    take();
  });
  take();
  return () => taking;
}

/** The same change as an event and as a kept record (a warning's event has no time). */
function updateKey(u: GroupUpdate): string {
  return u.type === 'changed'
    ? `c|${u.group.conversation}|${u.atMs}|${JSON.stringify(u.notice)}`
    : `w|${u.conversation}|${u.code}|${u.reason}`;
}

/**
 * Makes the change through the running client (natter chat) when one holds the
 * profile: it is connected already, and tells the change itself. Else connects,
 * makes the change, gives queued work a moment to go out, and logs out.
 */
async function changing(
  ctx: CliContext,
  opts: ChangeOptions,
  change: GroupChange,
): Promise<GroupChanged> {
  const control = await runningClient(ctx);
  if (control !== null) {
    try {
      // A running client that is not connected waits for the relay as this would.
      const wait = { waitMs: opts.wait, ...(ctx.waitGiven ? {} : { failFastMs: FAIL_FAST_MS }) };
      // Up to --wait for the relay there, then up to as long for the change itself.
      return await callControl(control, 'group.change', { change, ...wait }, 2 * opts.wait);
    } finally {
      control.close();
    }
  }
  const client = await ctx.openClient({ connect: true, tellQueued: true });
  const told = tellGroupChanges(ctx, client);
  try {
    await connectRelay(ctx, client, { waitMs: opts.wait });
    // Changes others made while this profile was away (a rename, a removal) first: the
    // name typed is the group's name now, and the change is signed over its latest state.
    await client.waitForInbox({ timeoutMs: opts.wait });
    const result = await applyGroupChange(client, change);
    await client.flush(GROUP_FLUSH_MS);
    await told();
    await client.logout();
    return result;
  } finally {
    await told();
  }
}
