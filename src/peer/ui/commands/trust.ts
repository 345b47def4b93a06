/**
 * /trust NAME [SAFETY NUMBER]: accepts the key whose safety number was compared (or
 * marks the contact verified). Without a number, it shows the one to compare and
 * asks, like /verify.
 */
import { parseSafetyNumber } from '../../index.js';
import { sanitize } from '../text.js';
import { compareAndAsk, trustContact } from './compare.js';
import type { SlashCommand } from './types.js';

export const trust: SlashCommand<'trust'> = {
  name: 'trust',
  usage: '/trust NAME [SAFETY NUMBER]',
  summary: 'accept the key whose safety number you compared',
  completes: 'name',
  parse: ({ first, more, tail }) => {
    if (first === '') return null;
    if (more === 0) return { kind: 'trust', name: first };
    const safetyNumber = parseSafetyNumber(tail);
    return safetyNumber === null ? null : { kind: 'trust', name: first, safetyNumber };
  },
  async run(cmd, host) {
    if (host.core.contact(cmd.name) === undefined) {
      host.notice(`no contact ${sanitize(cmd.name)}`, 'error');
      return;
    }
    if (cmd.safetyNumber === undefined) compareAndAsk(host, cmd.name);
    else await trustContact(host, cmd.name, cmd.safetyNumber);
  },
};
