/**
 * What the group commands share: they act on the group conversation on screen,
 * and say clearly when there is none, or when the user may not do that there.
 */
import type { GroupInfo } from '../../index.js';
import { type Conversation, labelOf } from '../state.js';
import { sanitize } from '../text.js';
import type { CommandHost } from './types.js';

/**
 * The open group and the core's description of it, or null (with the reason in
 * the notice line) when the open conversation is not a group I am in, or when
 * `need` is 'admin' and I am not one there.
 */
export function openGroup(
  host: CommandHost,
  command: string,
  need: 'member' | 'admin',
): { conv: Conversation; group: GroupInfo } | null {
  const conv = host.state.active();
  if (conv?.kind !== 'group') {
    host.notice(
      `/${command} acts on a group conversation, and this is not one: switch to a group (Alt-1..9) or start one with /group create NAME`,
      'error',
    );
    return null;
  }
  const group = host.state.groups.get(conv.id);
  const label = sanitize(labelOf(conv));
  if (group === undefined || group.myRole === null) {
    host.notice(`you are no longer a member of ${label}`, 'error');
    return null;
  }
  if (need === 'admin' && group.myRole !== 'admin') {
    host.notice(`only an admin of ${label} can /${command} (see /members)`, 'error');
    return null;
  }
  return { conv, group };
}
