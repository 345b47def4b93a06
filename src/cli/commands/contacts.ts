/**
 * `natter contacts`, `natter fingerprint [NAME]`: local, no relay needed (trust:
 * trust.ts); beside a running client, read through it (via-control.ts).
 */
import type { Command } from 'commander';
import { formatContacts, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { nameArgOf } from '../send-input.js';
import { perform } from '../via-control.js';
import { relayFlag, showRelayFingerprint } from './fingerprint.js';
import { compareLines } from './trust.js';

export function addContactsCommands(program: Command, withContext: WithContext): void {
  program
    .command('contacts')
    .description('list contacts with their fingerprints and whether they are verified')
    .option('--json', 'print a JSON array')
    .action(
      withContext(async (ctx, opts: { json?: boolean }) => {
        const { contacts: list } = await perform(ctx, 'contacts', {});
        // `blocked` always there, false or true, so a script need not know it may be absent.
        if (opts.json) ctx.out(safeJson(list.map((c) => ({ ...c, blocked: c.blocked === true }))));
        else if (list.length === 0) ctx.out('no contacts yet');
        else for (const line of formatContacts(list)) ctx.out(line);
      }),
    );

  program
    .command('fingerprint')
    .description(
      "show your own fingerprint, the safety number you share with NAME, or (--relay) your relay's",
    )
    .argument(
      '[name]',
      'a contact, or anyone on the relay (looked up and pinned); compare the safety number with them in person or by voice',
    )
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, arg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        if (relayFlag(cmd)) return showRelayFingerprint(ctx, arg, opts);
        // `fingerprint @carol` is carol's (nameArgOf).
        const name = arg === undefined ? undefined : nameArgOf('fingerprint', arg);
        const view = await perform(ctx, 'fingerprint', name === undefined ? {} : { name });
        if ('me' in view) {
          const { pseudonym, fingerprint, userId } = view.me;
          if (opts.json) ctx.out(safeJson({ pseudonym, fingerprint, userId }));
          else ctx.out(`${sanitize(pseudonym)}  ${fingerprint}`);
          return;
        }
        // A contact's view answers a NAME only.
        if (name === undefined) return;
        const { contact, safetyNumber: safety } = view;
        if (opts.json) {
          ctx.out(safeJson({ contact: contact ?? null, safetyNumber: safety }));
          return;
        }
        for (const l of compareLines(name, contact ?? undefined, safety)) ctx.out(l);
        if (contact?.keyChanged)
          ctx.out(
            `if it matches on their screen too, run: natter trust ${sanitize(name)} --safety-number N (N: the number you compared)`,
          );
      }),
    );
}
