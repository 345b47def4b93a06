/**
 * /kick NAME: removes NAME from the open group (admins only). The group moves to
 * a new epoch: NAME cannot read anything sent after this (DESIGN.md §6).
 */
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import { openGroup } from './in-group.js';
import type { SlashCommand } from './types.js';

export const kick: SlashCommand<'kick'> = {
  name: 'kick',
  aliases: ['remove'],
  usage: '/kick NAME',
  summary: 'remove NAME from this group (admins)',
  completes: 'member',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'kick', name: first }),
  async run(cmd, host) {
    const open = openGroup(host, 'kick', 'admin');
    if (open === null) return;
    if (!host.state.groups.hasMember(open.conv.id, cmd.name)) {
      host.notice(`${sanitize(cmd.name)} is not in ${sanitize(labelOf(open.conv))}`, 'error');
      return;
    }
    host.state.setGroup(await host.core.removeFromGroup(open.conv.id, cmd.name));
  },
};
