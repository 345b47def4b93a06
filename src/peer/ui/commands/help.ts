/**
 * /help (alias /?): the help panel. The screen builds it (app.ts, from the
 * command table, the keys and the settings), so this file need not import the
 * table it is part of.
 */
import type { SlashCommand } from './types.js';

export const help: SlashCommand<'help'> = {
  name: 'help',
  aliases: ['?'],
  usage: '/help',
  summary: 'this help',
  completes: 'command',
  parse: () => ({ kind: 'help' }),
  run: (_cmd, host) => host.showHelp(),
};
