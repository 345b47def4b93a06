/** /status online|away|busy [TEXT]: the user's own status, announced through the core. */
import { PRESENCE_STATUSES, type PresenceStatus } from '../../index.js';
import type { SlashCommand } from './types.js';

/** The statuses a user can choose (DESIGN.md §5), in the order Tab offers them: the core's list. */
const STATUSES: readonly PresenceStatus[] = PRESENCE_STATUSES;

export const status: SlashCommand<'status'> = {
  name: 'status',
  usage: '/status online|away|busy [TEXT]',
  summary: 'set your status (busy: no bell or notifications)',
  completes: STATUSES,
  parse({ first, tail }) {
    const chosen = STATUSES.find((s) => s === first.toLowerCase());
    if (chosen === undefined) return null;
    return { kind: 'status', status: chosen, ...(tail === '' ? {} : { text: tail }) };
  },
  run: (cmd, host) => host.setOwnStatus(cmd.status, cmd.text ?? ''),
};
