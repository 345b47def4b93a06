/**
 * /quit (aliases /q, /exit): logs out and leaves; others see the user go at once.
 * Asks first while messages wait unsent (they go out on the next run).
 */
import type { SlashCommand } from './types.js';

export const quit: SlashCommand<'quit'> = {
  name: 'quit',
  aliases: ['q', 'exit'],
  usage: '/quit',
  summary: 'log out and leave (others see you go)',
  parse: () => ({ kind: 'quit' }),
  run: (_cmd, host) => host.requestQuit(),
};
