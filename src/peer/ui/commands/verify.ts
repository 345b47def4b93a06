/** /verify NAME: shows the safety number to compare, then asks to mark the contact verified. */
import { verifyPanel } from '../panels.js';
import { sanitize } from '../text.js';
import { trustContact } from './trust.js';
import type { SlashCommand } from './types.js';

export const verify: SlashCommand<'verify'> = {
  name: 'verify',
  usage: '/verify NAME',
  summary: 'compare safety numbers, mark verified',
  completes: 'name',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'verify', name: first }),
  run(cmd, host) {
    const contact = host.core.contact(cmd.name);
    if (contact === undefined) {
      host.notice(
        `no contact ${sanitize(cmd.name)} yet: safety numbers exist after a first message`,
        'error',
      );
      return;
    }
    host.showPanel(verifyPanel(contact, host.core.fingerprint(contact.pseudonym)));
    const name = sanitize(contact.pseudonym);
    const question = contact.keyChanged
      ? `accept ${name}'s new key? (y/n)`
      : `mark ${name} verified? (y/n)`;
    host.ask(question, () => trustContact(host, contact.pseudonym));
  },
};
