/**
 * /verify NAME [N]: shows the safety number to compare, then asks to accept exactly
 * that number. N picks one of several changed keys pending (they are listed without it).
 */
import { compareAndAsk } from './compare.js';
import type { SlashCommand } from './types.js';

export const verify: SlashCommand<'verify'> = {
  name: 'verify',
  usage: '/verify NAME [N]',
  summary: 'compare safety numbers, mark verified',
  completes: 'name',
  parse: ({ first, more, tail }) => {
    if (first === '' || more > 1) return null;
    if (more === 0) return { kind: 'verify', name: first };
    return /^[1-9]\d{0,2}$/.test(tail) ? { kind: 'verify', name: first, key: Number(tail) } : null;
  },
  run: (cmd, host) => compareAndAsk(host, cmd.name, cmd.key),
};
