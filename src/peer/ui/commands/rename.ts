/** /rename NEWNAME: renames the open group (admins only); every member sees it. */
import { openGroup } from './in-group.js';
import type { SlashCommand } from './types.js';

export const rename: SlashCommand<'rename'> = {
  name: 'rename',
  usage: '/rename NEWNAME',
  summary: 'rename this group (admins)',
  parse: ({ text }) => {
    const name = text.replace(/^#/, '');
    return name === '' ? null : { kind: 'rename', name };
  },
  async run(cmd, host) {
    const open = openGroup(host, 'rename', 'admin');
    if (open === null) return;
    host.state.setGroup(await host.core.renameGroup(open.conv.id, cmd.name));
  },
};
