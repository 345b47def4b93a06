/** /who: who is online, with status and fingerprints, in a panel. */
import { whoPanel } from '../panels.js';
import type { SlashCommand } from './types.js';

export const who: SlashCommand<'who'> = {
  name: 'who',
  usage: '/who',
  summary: 'who is online, with status and fingerprints',
  parse: () => ({ kind: 'who' }),
  run: (_cmd, host) => host.showPanel(whoPanel(host.state)),
};
