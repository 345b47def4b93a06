/** /trust NAME: accepts a contact's changed key (or marks it verified), through the core. */
import { sanitize } from '../text.js';
import type { CommandHost, SlashCommand } from './types.js';

export const trust: SlashCommand<'trust'> = {
  name: 'trust',
  usage: '/trust NAME',
  summary: "accept a contact's changed key",
  completes: 'name',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'trust', name: first }),
  async run(cmd, host) {
    if (host.core.contact(cmd.name) === undefined) {
      host.notice(`no contact ${sanitize(cmd.name)}`, 'error');
      return;
    }
    await trustContact(host, cmd.name);
  },
};

/** Trusts `name`'s current key (also /verify's 'y'), and says what changed. */
export async function trustContact(host: CommandHost, name: string): Promise<void> {
  const result = await host.core.trust(name);
  host.state.contactUpdate(result.contact);
  const who = sanitize(result.contact.pseudonym);
  host.notice(
    result.accepted
      ? `accepted ${who}'s new key; held messages are released`
      : `${who} is verified ✓`,
    'info',
  );
}
