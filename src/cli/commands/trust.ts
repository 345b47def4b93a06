/**
 * `natter trust NAME --safety-number N`: accepts the key whose safety number the user
 * compared with NAME (or marks NAME verified). Without the number it prints what to
 * compare and refuses: trust is a decision about one key, and a card that came while
 * the user compared must not be the one it lands on (issue 10, finding 2).
 */
import type { Command } from 'commander';
import type { ContactInfo } from '../../peer/index.js';
import { UsageError } from '../context.js';
import { clockTime, formatSafetyNumber, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { nameArgOf } from '../send-input.js';
import { perform } from '../via-control.js';

/**
 * What to compare with `c`: `safety` (the pinned key's number, or the only pending
 * key's), or each pending key's number when several wait.
 */
export function compareLines(name: string, c: ContactInfo | undefined, safety: string): string[] {
  const who = sanitize(c?.pseudonym ?? name);
  const keys = c?.pendingKeys ?? [];
  if (keys.length <= 1) {
    return [
      `safety number with ${who}${keys.length === 1 ? ' (for the NEW key)' : ''}:`,
      formatSafetyNumber(keys[0]?.safetyNumber ?? safety),
    ];
  }
  const lines = [
    `${keys.length} NEW keys arrived for ${who}; at most one of them is really theirs:`,
  ];
  keys.forEach((k, i) => {
    lines.push(`key ${i + 1}  ${k.fingerprint}  first seen ${clockTime(k.seenAtMs)}`);
    lines.push(formatSafetyNumber(k.safetyNumber));
  });
  return lines;
}

export function addTrustCommand(program: Command, withContext: WithContext): void {
  program
    .command('trust')
    .description(
      "accept a contact's changed key (or mark a contact verified) by the safety number you compared with them",
    )
    .argument(
      '<name>',
      'a contact, or anyone on the relay (looked up and pinned, as by natter fingerprint NAME)',
    )
    .option(
      '--safety-number <digits>',
      'the safety number you compared (60 digits, spaces allowed); required: without it, the number(s) to compare are printed on stdout, nothing is accepted, and trust exits 2 (E_USAGE)',
    )
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, typed: string, opts: { safetyNumber?: string; json?: boolean }) => {
        const name = nameArgOf('trust', typed);
        const view = await perform(ctx, 'trust', {
          name,
          ...(opts.safetyNumber === undefined ? {} : { safetyNumber: opts.safetyNumber }),
        });
        if ('compare' in view) {
          const { contact, safetyNumber: safety } = view.compare;
          if (opts.json) ctx.out(safeJson({ contact, safetyNumber: safety }));
          else for (const l of compareLines(name, contact ?? undefined, safety)) ctx.out(l);
          throw new UsageError(
            `trust: --safety-number is required: compare the number with ${sanitize(name)}, then run natter trust ${sanitize(name)} --safety-number N`,
          );
        }
        const { result } = view;
        if (opts.json) {
          ctx.out(safeJson(result));
          return;
        }
        const who = sanitize(result.contact.pseudonym);
        ctx.out(
          `${who} (${result.contact.fingerprint}) is ${result.accepted ? 'trusted with the new key' : 'verified'}`,
        );
        for (const k of result.discarded)
          ctx.out(`not accepted: another new key for ${who} (${k.fingerprint}), now forgotten`);
        if (result.releasedIn > 0)
          ctx.out(
            `${result.releasedIn} held message(s) from ${who}: run natter inbox to read them`,
          );
        if (result.releasedOut > 0)
          ctx.out(
            `${result.releasedOut} held message(s) to ${who} are queued: a running natter chat sends them now, else the next natter command that connects`,
          );
      }),
    );
}
