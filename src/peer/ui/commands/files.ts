/** /files (issue 12): every file offered to you, with the ID /accept and /decline take. */
import { filesPanel } from '../file-words.js';
import type { SlashCommand } from './types.js';

export const files: SlashCommand<'files'> = {
  name: 'files',
  usage: '/files',
  summary: 'files offered to you: /accept ID, /decline ID',
  parse: ({ text }) => (text === '' ? { kind: 'files' } : null),
  run(_cmd, host) {
    const known = host.state.files;
    for (const o of host.core.fileOffers()) known.offer(o);
    host.showPanel(filesPanel(known.allOffers(), (id) => known.refOf(id)));
  },
};
