/** /invite NAME: adds NAME to the open group (admins only). */
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import { openGroup } from './in-group.js';
import type { SlashCommand } from './types.js';

export const invite: SlashCommand<'invite'> = {
  name: 'invite',
  aliases: ['add'],
  usage: '/invite NAME',
  summary: 'add NAME to this group (admins)',
  completes: 'name',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'invite', name: first }),
  async run(cmd, host) {
    const open = openGroup(host, 'invite', 'admin');
    if (open === null) return;
    if (host.state.groups.hasMember(open.conv.id, cmd.name)) {
      host.notice(`${sanitize(cmd.name)} is already in ${sanitize(labelOf(open.conv))}`, 'error');
      return;
    }
    host.state.setGroup(await host.core.addToGroup(open.conv.id, cmd.name));
  },
};
