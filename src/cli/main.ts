/**
 * The `natter` command. Exit status: 0 success (also when stdout's reader went
 * away: output.ts); 1 failure, with one line `natter: <message> (<code>)` on
 * stderr; 2 bad usage; 130 stopped by Ctrl-C. Stack traces only with
 * NATTER_DEBUG=1: users get the step that failed and a stable code.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describeError } from '../util/errors.js';
import { addAcceptCommand } from './commands/accept.js';
import { addBlockCommands } from './commands/block.js';
import { addChatCommand } from './commands/chat.js';
import { addConfigCommands } from './commands/config.js';
import { addContactsCommands } from './commands/contacts.js';
import { addDeclineCommand } from './commands/decline.js';
import { addFilesCommand } from './commands/files.js';
import { addGroupCommands } from './commands/group.js';
import { addHistoryCommand } from './commands/history.js';
import { addInboxCommand } from './commands/inbox.js';
import { addInitCommand } from './commands/init.js';
import { addOutboxCommands } from './commands/outbox.js';
import { addRelayCommand } from './commands/relay.js';
import { addRenameCommand } from './commands/rename.js';
import { addSendCommand } from './commands/send.js';
import { addSendFileCommand } from './commands/send-file.js';
import { addStatusCommand } from './commands/status.js';
import { addTransfersCommand } from './commands/transfers.js';
import { addTrustCommand } from './commands/trust.js';
import { addWhoCommand } from './commands/who.js';
import { CliContext, type GlobalOptions, InterruptedError, UsageError } from './context.js';
import { sanitize } from './format.js';
import { type CliIo, processIo } from './io.js';
import { parsePort } from './options.js';
import { StdoutClosed } from './output.js';

/** Wraps a command body: builds its context from the global options, always disposes it. */
export type WithContext = <A extends unknown[]>(
  fn: (ctx: CliContext, ...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

/**
 * The version in natter's package.json: the nearest one named natter above `from`.
 * This code runs from src/cli/ (tsx), build/cli/ (tsc) and a chunk of the bundle
 * (dist/chunks/), at three depths below it, so it looks upwards rather than at a
 * relative path. 'unknown' when there is none.
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const version = natterVersionIn(join(dir, 'package.json'));
    if (version !== null) return version;
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

function natterVersionIn(file: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'natter' && typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null; // none here (or unreadable): look further up
  }
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('natter');
  program
    .description('natter: end-to-end encrypted LAN messenger')
    .version(packageVersion())
    .option(
      '--profile <dir>',
      'profile directory (default: NATTER_HOME, else $XDG_DATA_HOME/natter)',
    )
    .option(
      '--relay [host:port]',
      'relay address (default: NATTER_RELAY, else the profile config, else the relay found on the LAN); natter fingerprint --relay takes none',
    )
    .option(
      '--passphrase-file <file>',
      'file whose first line unlocks the key file (or NATTER_PASSPHRASE_FILE)',
    )
    .option('--accept-new-relay-key', 'accept and pin a relay key that differs from the pinned one')
    .option(
      '--presence-port <port>',
      'UDP port of LAN presence (NATTER_PRESENCE_PORT; default 47475)',
      parsePort,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      // Commander's parse errors in the one line every other error has (exit 2: report).
      outputError: (s, write) => write(usageLine(s)),
    });
  // `--relay` without an address is `natter fingerprint --relay` (commands/fingerprint.ts).
  program.hook('preAction', (_program, command) => {
    if (
      program.opts<{ relay?: string | true }>().relay === true &&
      command.name() !== 'fingerprint'
    ) {
      throw new UsageError('--relay needs HOST:PORT');
    }
  });
  const withContext: WithContext =
    (fn) =>
    async (...args) => {
      const { relay, ...global } = program.opts<
        Omit<GlobalOptions, 'relay'> & { relay?: string | true }
      >();
      const ctx = new CliContext(io, typeof relay === 'string' ? { ...global, relay } : global);
      // Commander passes the command last.
      const command = args.at(-1);
      ctx.waitGiven = command instanceof Command && command.getOptionValueSource('wait') === 'cli';
      try {
        await fn(ctx, ...args);
        await ctx.output.flushed();
      } finally {
        await ctx.dispose();
      }
    };
  addInitCommand(program, withContext);
  addSendCommand(program, withContext);
  addInboxCommand(program, withContext);
  addHistoryCommand(program, withContext);
  addOutboxCommands(program, withContext);
  addGroupCommands(program, withContext);
  addSendFileCommand(program, withContext);
  addFilesCommand(program, withContext);
  addAcceptCommand(program, withContext);
  addDeclineCommand(program, withContext);
  addTransfersCommand(program, withContext);
  addContactsCommands(program, withContext);
  addTrustCommand(program, withContext);
  addBlockCommands(program, withContext);
  addRelayCommand(program, withContext);
  addWhoCommand(program, withContext);
  addStatusCommand(program, withContext);
  addChatCommand(program, withContext);
  addConfigCommands(program, withContext);
  addRenameCommand(program, withContext);
  return program;
}

/** Runs one command line (without `node` and the script path); resolves to the exit status. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Commander already printed help or the usage error.
    return err.exitCode === 0 ? 0 : 2;
  }
  // The reader went away (natter inbox | head -1): done, as for other Unix tools.
  if (err instanceof StdoutClosed) return 0;
  const { code, message } = describeError(err);
  // Messages can carry a relay's words (a refusal's reason): sanitised like peer text.
  io.stderr.write(`natter: ${sanitize(oneLine(message))} (${sanitize(code)})\n`);
  if (io.env.NATTER_DEBUG === '1' && err instanceof Error) io.stderr.write(`${err.stack ?? ''}\n`);
  if (err instanceof InterruptedError) return 130;
  return err instanceof UsageError ? 2 : 1;
}

/**
 * `error: unknown option '--bogus'` (commander's words, on one line, a suggestion after
 * it) as `natter: unknown option '--bogus' (E_USAGE)`: what scripts parse for every other
 * error. The option's value is what the user typed: sanitised like any text shown.
 */
export function usageLine(commanderMessage: string): string {
  const said = ownWords(oneLine(commanderMessage.replace(/^error: /, '')));
  const { code, message } = new UsageError(said);
  return `natter: ${sanitize(message)} (${code})\n`;
}

/**
 * Commander's wording for a value not among an argument's or option's choices, in natter's:
 * `status: 'gone' is not one of online, away, busy` (a trial quoted `command-argument value
 * 'gone' is invalid for argument 'status'. Allowed choices are ...`). Anything else as it is.
 */
function ownWords(message: string): string {
  const arg =
    /^command-argument value '(.*)' is invalid for argument '(.+?)'\. Allowed choices are (.+)\.$/.exec(
      message,
    );
  if (arg !== null) return `${arg[2]}: '${arg[1]}' is not one of ${arg[3]}`;
  const opt = /^option '(\S+).*?' argument '(.*)' is invalid\. Allowed choices are (.+)\.$/.exec(
    message,
  );
  if (opt !== null) return `${opt[1]}: '${opt[2]}' is not one of ${opt[3]}`;
  return message;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
