/**
 * /trust NAME [SAFETY NUMBER]: accepts the key whose safety number was compared (or
 * marks the contact verified). Without a number, it shows the one to compare and
 * asks, like /verify.
 */
import { parseSafetyNumber } from '../../index.js';
import { compareAndAsk, contactOrLookup, trustContact } from './compare.js';
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
    if (cmd.safetyNumber === undefined) return compareAndAsk(host, cmd.name);
    if ((await contactOrLookup(host, cmd.name)) === undefined) return;
    await trustContact(host, cmd.name, cmd.safetyNumber);
  },
};
