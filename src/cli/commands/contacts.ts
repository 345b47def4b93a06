/** `natter contacts`, `natter fingerprint [NAME]`, `natter trust NAME`: local, no relay needed. */
import type { Command } from 'commander';
import { formatContact, formatSafetyNumber, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';

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
        else for (const c of list) ctx.out(formatContact(c));
      }),
    );

  program
    .command('fingerprint')
    .description('show your own fingerprint, or the safety number you share with NAME')
    .argument('[name]', 'a contact; compare the safety number with them in person or by voice')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, name: string | undefined, opts: { json?: boolean }) => {
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
        ctx.out(
          `safety number with ${sanitize(name)}${contact?.keyChanged ? ' (for the NEW key)' : ''}:`,
        );
        ctx.out(formatSafetyNumber(safety));
        if (contact?.keyChanged)
          ctx.out(`if it matches on their screen too, run: natter trust ${sanitize(name)}`);
      }),
    );

  program
    .command('trust')
    .description(
      "accept a contact's changed key (or mark a contact verified) after comparing safety numbers",
    )
    .argument('<name>', 'the contact')
    .option('--json', 'print as JSON')
    .action(
      withContext(async (ctx, name: string, opts: { json?: boolean }) => {
        const client = await ctx.openClient();
        const result = await client.trust(name);
        if (opts.json) {
          ctx.out(safeJson(result));
          return;
        }
        const who = sanitize(result.contact.pseudonym);
        ctx.out(
          `${who} (${result.contact.fingerprint}) is ${result.accepted ? 'trusted with the new key' : 'verified'}`,
        );
        if (result.releasedIn > 0)
          ctx.out(
            `${result.releasedIn} held message(s) from ${who}: run natter inbox to read them`,
          );
        if (result.releasedOut > 0)
          ctx.out(
            `${result.releasedOut} held message(s) to ${who} will be sent the next time natter connects`,
          );
      }),
    );
}
