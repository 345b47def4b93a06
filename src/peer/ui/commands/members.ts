/** /members: the open group's members, roles and fingerprints, in a panel. */
import { membersPanel } from '../groups.js';
import { openGroup } from './in-group.js';
import type { SlashCommand } from './types.js';

export const members: SlashCommand<'members'> = {
  name: 'members',
  aliases: ['names'],
  usage: '/members',
  summary: "this group's members and their roles",
  parse: ({ text }) => (text === '' ? { kind: 'members' } : null),
  run(_cmd, host) {
    const conv = host.state.active();
    // A former member may still look at who was in it.
    const known = conv?.kind === 'group' ? host.state.groups.get(conv.id) : undefined;
    if (known !== undefined && known.myRole === null) {
      host.showPanel(membersPanel(known, host.state));
      return;
    }
    const open = openGroup(host, 'members', 'member');
    if (open !== null) host.showPanel(membersPanel(open.group, host.state));
  },
};
