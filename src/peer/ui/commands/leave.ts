/**
 * /leave: leaves the open group, after a y/n (nothing sent to it afterwards can
 * be read, and only an admin can add you back). The conversation stays, read-only.
 */
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import { openGroup } from './in-group.js';
import type { SlashCommand } from './types.js';

export const leave: SlashCommand<'leave'> = {
  name: 'leave',
  aliases: ['part'],
  usage: '/leave',
  summary: 'leave this group',
  parse: ({ text }) => (text === '' ? { kind: 'leave' } : null),
  run(_cmd, host) {
    const open = openGroup(host, 'leave', 'member');
    if (open === null) return;
    const label = sanitize(labelOf(open.conv));
    // Said before the question, as the core would refuse it after (E_GROUP_LAST_ADMIN).
    const { members } = open.group;
    const admins = members.filter((m) => m.role === 'admin').length;
    if (open.group.myRole === 'admin' && admins === 1 && members.length > 1) {
      host.notice(
        `you are the only admin of ${label}: make someone else admin first (/promote NAME), then /leave`,
        'error',
      );
      return;
    }
    host.ask(`leave ${label}? only an admin can add you back (y/n)`, async () => {
      await host.core.leaveGroup(open.conv.id);
      host.notice(`you left ${label}`);
    });
  },
};
