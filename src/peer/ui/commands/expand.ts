/**
 * /expand and /collapse: a long message is drawn collapsed (collapse.ts), its first rows
 * and `… 610 more lines (/expand)`; /expand shows the one on screen whole, from its start
 * (PageDown reads on), and /collapse folds what was expanded again. No argument: the note
 * line says which one is meant, the one being read; `natter history` prints everything.
 */
import type { SlashCommand } from './types.js';

export const expand: SlashCommand<'expand'> = {
  name: 'expand',
  usage: '/expand',
  summary: 'show the long message on screen whole (… more lines)',
  parse: ({ text }) => (text === '' ? { kind: 'expand' } : null),
  run(_cmd, host) {
    if (host.expand())
      host.notice('the whole message, from its start: PgDn reads on, /collapse folds it again');
    else host.notice('no collapsed message here: a long one ends in “… N more lines (/expand)”');
  },
};

export const collapse: SlashCommand<'collapse'> = {
  name: 'collapse',
  usage: '/collapse',
  summary: 'fold the messages /expand showed whole, back to the newest',
  parse: ({ text }) => (text === '' ? { kind: 'collapse' } : null),
  run(_cmd, host) {
    const n = host.collapse();
    host.notice(
      n === 0 ? 'nothing expanded here' : `folded ${n} long message${n === 1 ? '' : 's'}`,
    );
  },
};
