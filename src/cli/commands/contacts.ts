/** `natter contacts`, `natter fingerprint [NAME]`: local, no relay needed (trust: trust.ts). */
import type { Command } from 'commander';
import { formatContacts, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { relayFlag, showRelayFingerprint } from './fingerprint.js';
import { compareLines } from './trust.js';

export function addContactsCommands(program: Command, withContext: WithContext): void {
  program
    .command('contacts')
    .description('list contacts with their fingerprints and whether they are verified')
    .option('--json', 'print a JSON array')
    .action(
      withContext(async (ctx, opts: { json?: boolean }) => {
        const client = await ctx.openClient();
        const list = client.contacts();
        if (opts.json) ctx.out(safeJson(list));
        else if (list.length === 0) ctx.out('no contacts yet');
        else for (const line of formatContacts(list)) ctx.out(line);
      }),
    );

  program
    .command('fingerprint')
    .description(
      "show your own fingerprint, the safety number you share with NAME, or (--relay) your relay's",
    )
    .argument('[name]', 'a contact; compare the safety number with them in person or by voice')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, name: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        if (relayFlag(cmd)) return showRelayFingerprint(ctx, name, opts);
        const client = await ctx.openClient();
        if (name === undefined) {
          const { pseudonym, fingerprint, userId } = client.me;
          if (opts.json) ctx.out(safeJson({ pseudonym, fingerprint, userId }));
          else ctx.out(`${sanitize(pseudonym)}  ${fingerprint}`);
          return;
        }
        const safety = client.fingerprint(name);
        const contact = client.contact(name);
        if (opts.json) {
          ctx.out(safeJson({ contact: contact ?? null, safetyNumber: safety }));
          return;
        }
        for (const l of compareLines(name, contact, safety)) ctx.out(l);
        if (contact?.keyChanged)
          ctx.out(
            `if it matches on their screen too, run: natter trust ${sanitize(name)} --safety-number N (N: the number you compared)`,
          );
      }),
    );
}
