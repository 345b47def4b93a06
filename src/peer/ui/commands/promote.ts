/**
 * /promote NAME and /demote NAME: make a member of the open group an admin, or an
 * admin a member again (admins only). The chat had neither, yet the only admin's
 * /leave is refused until someone else is one.
 */
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import { openGroup } from './in-group.js';
import type { CommandHost, SlashCommand } from './types.js';

export const promote: SlashCommand<'promote'> = {
  name: 'promote',
  usage: '/promote NAME',
  summary: 'make NAME an admin of this group (admins)',
  completes: 'member',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'promote', name: first }),
  run: (cmd, host) => changeRole(host, 'promote', cmd.name),
};

export const demote: SlashCommand<'demote'> = {
  name: 'demote',
  usage: '/demote NAME',
  summary: 'make NAME a member again, no longer admin (admins)',
  completes: 'member',
  parse: ({ first, more }) => (first === '' || more > 0 ? null : { kind: 'demote', name: first }),
  run: (cmd, host) => changeRole(host, 'demote', cmd.name),
};

async function changeRole(host: CommandHost, op: 'promote' | 'demote', name: string) {
  const open = openGroup(host, op, 'admin');
  if (open === null) return;
  const label = sanitize(labelOf(open.conv));
  const who = sanitize(name);
  const role = host.state.groups.roleOf(open.conv.id, name);
  // Said at once, as the core would refuse these after a round trip.
  if (role === null) return host.notice(`${who} is not in ${label}`, 'error');
  if (op === 'promote' && role === 'admin') {
    return host.notice(`${who} is an admin of ${label} already`, 'error');
  }
  if (op === 'demote' && role === 'member') {
    return host.notice(`${who} is not an admin of ${label}`, 'error');
  }
  const group =
    op === 'promote'
      ? await host.core.promoteInGroup(open.conv.id, name)
      : await host.core.demoteInGroup(open.conv.id, name);
  host.state.setGroup(group);
}
