/**
 * `natter status online|away|busy [TEXT]`: changes the status of this profile's
 * running client (`inbox --follow`, `chat`) through its control socket. The
 * client announces it on the LAN at once and tells the relay. With no client
 * running there is nobody to change: exit 1 with E_NOT_RUNNING.
 */
import { Argument, type Command } from 'commander';
import { checkStatusText, type PresenceStatus } from '../../peer/index.js';
import { describeError, NatterError } from '../../util/errors.js';
import { UsageError } from '../context.js';
import { controlSocketPath } from '../control.js';
import { ControlClient } from '../control-client.js';
import { safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { PRESENCE_STATUSES } from '../presence.js';

export function addStatusCommand(program: Command, withContext: WithContext): void {
  program
    .command('status')
    .description('set the status your running natter client announces (inbox --follow, chat)')
    .addArgument(new Argument('<status>', 'online, away or busy').choices(PRESENCE_STATUSES))
    .argument('[text...]', 'a short status text (at most 80 characters, one line)')
    .option('--json', 'print the result as JSON')
    .action(
      withContext(
        async (ctx, status: PresenceStatus, words: string[], opts: { json?: boolean }) => {
          const text = words.join(' ');
          try {
            checkStatusText(text); // bad usage, said before anything is asked
          } catch (err) {
            throw new UsageError(describeError(err).message);
          }
          const control = await ControlClient.connect(
            controlSocketPath(ctx.paths.dir),
            ctx.paths.dir,
          );
          try {
            const answer = await control.request({ op: 'status', status, text });
            if (!answer.ok) throw new NatterError(answer.code, answer.message);
          } finally {
            control.close();
          }
          if (opts.json) ctx.out(safeJson({ status, statusText: text }));
          else ctx.out(`status: ${status}${text ? ` "${sanitize(text)}"` : ''}`);
        },
      ),
    );
}
