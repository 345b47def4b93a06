/**
 * `natter block NAME`, `natter unblock NAME`, `natter blocked`: blocking, in this profile
 * only (the relay is never told, and the blocked person sees what an offline or ignoring
 * user shows: docs/decisions.md, "Blocking"). A block is of the person's key, so it holds
 * when they rename and does not pass to whoever takes their old name. Beside a running
 * client, through it (via-control.ts).
 */
import type { Command } from 'commander';
import type { BlockedUser } from '../../peer/index.js';
import { dateTime, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { nameArgOf } from '../send-input.js';
import { perform } from '../via-control.js';

/** One line of `natter blocked`: the name they had when blocked, the key, since when. */
export function blockedLine(b: BlockedUser): string {
  return `${sanitize(b.pseudonym)}  ${b.fingerprint}  since ${dateTime(b.blockedAtMs)}`;
}

export function addBlockCommands(program: Command, withContext: WithContext): void {
  program
    .command('block')
    .description(
      "block NAME's key: their messages are dropped unseen, their files declined, and groups they add you to left at once",
    )
    .argument('<name>', 'a contact, or anyone on the relay (looked up and pinned, as by send --to)')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, typed: string, opts: { json?: boolean }) => {
        const r = await perform(ctx, 'block', { name: nameArgOf('block', typed) });
        if (opts.json) return ctx.out(safeJson(r));
        const who = `${sanitize(r.user.pseudonym)} (${r.user.fingerprint})`;
        ctx.out(r.changed ? `blocked ${who}` : `${who} was blocked already`);
      }),
    );

  program
    .command('unblock')
    .description('lift a block: what NAME sends from now on is received again')
    .argument('<name>', 'the name they had when blocked (natter blocked), or a contact')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, typed: string, opts: { json?: boolean }) => {
        const r = await perform(ctx, 'unblock', { name: nameArgOf('unblock', typed) });
        if (opts.json) return ctx.out(safeJson(r));
        const who = `${sanitize(r.user.pseudonym)} (${r.user.fingerprint})`;
        ctx.out(r.changed ? `unblocked ${who}` : `${who} was not blocked`);
      }),
    );

  program
    .command('blocked')
    .description('list the people you blocked (from the profile)')
    .option('--json', 'print a JSON array')
    .action(
      withContext(async (ctx, opts: { json?: boolean }) => {
        const { blocked } = await perform(ctx, 'blocked', {});
        if (opts.json) ctx.out(safeJson(blocked));
        else if (blocked.length === 0) ctx.out('nobody is blocked');
        else for (const b of blocked) ctx.out(blockedLine(b));
      }),
    );
}
