/** /group create NAME [MEMBERS...]: a new group, with me as its admin, shown at once. */
import { nameKey } from '../text.js';
import type { SlashCommand } from './types.js';

export const group: SlashCommand<'group'> = {
  name: 'group',
  usage: '/group create NAME [MEMBERS...]',
  summary: 'create a group (you are its admin) and add MEMBERS',
  completes: ['create'],
  parse({ first, tail }) {
    if (first.toLowerCase() !== 'create' || tail === '') return null;
    const [name = '', ...members] = tail.split(/[\s,]+/).filter((w) => w.length > 0);
    // '#team' is how groups are shown; the name itself is 'team'.
    const bare = name.replace(/^#/, '');
    return bare === '' ? null : { kind: 'group', action: 'create', name: bare, members };
  },
  async run(cmd, host) {
    const me = nameKey(host.core.me.pseudonym);
    const members = cmd.members.filter((m) => nameKey(m) !== me);
    const info = await host.core.createGroup(cmd.name, members);
    host.showConversation(host.state.setGroup(info).id);
  },
};
