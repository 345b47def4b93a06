/**
 * The input line's language: plain text is a message, `/command args` a slash
 * command, `//text` a message starting with '/'. The slash commands are one
 * table, one file each: /help lists it, Tab completes from it (completion.ts),
 * and parseInput and runCommand dispatch through it.
 */
import { accept } from './accept.js';
import { acceptRelayKey } from './accept-relay-key.js';
import { block, unblock } from './block.js';
import { cancel } from './cancel.js';
import { close } from './close.js';
import { decline } from './decline.js';
import { deleteHistory } from './delete-history.js';
import { collapse, expand } from './expand.js';
import { files } from './files.js';
import { group } from './group.js';
import { help } from './help.js';
import { invite } from './invite.js';
import { kick } from './kick.js';
import { leave } from './leave.js';
import { members } from './members.js';
import { msg } from './msg.js';
import { open } from './open.js';
import { demote, promote } from './promote.js';
import { quit } from './quit.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { send } from './send.js';
import { status } from './status.js';
import { closestSpellings } from './suggest.js';
import { trust } from './trust.js';
import type {
  Args,
  Command,
  CommandHost,
  CommandInfo,
  CommandName,
  Invocation,
  SlashCommand,
} from './types.js';
import { verify } from './verify.js';
import { who } from './who.js';

export type { Command, CommandHost, CommandInfo, CommandName } from './types.js';

/** A command for every name in CommandArgs, each under its own name. */
export type CommandTable = { readonly [N in CommandName]: SlashCommand<N> };

/** Every slash command, in the order /help lists them. */
export const COMMANDS: CommandTable = {
  msg,
  close,
  who,
  status,
  verify,
  trust,
  block,
  unblock,
  group,
  invite,
  kick,
  promote,
  demote,
  members,
  rename,
  leave,
  send,
  accept,
  decline,
  cancel,
  files,
  search,
  open,
  expand,
  collapse,

  'delete-history': deleteHistory,
  'accept-relay-key': acceptRelayKey,
  help,
  quit,
};

/** The table as a list, in help order. */
export const COMMAND_LIST: readonly CommandInfo[] = Object.values(COMMANDS);

/** Names and aliases (lowercase) to the command they mean. */
const SPELLINGS = new Map<string, CommandName>(
  COMMAND_LIST.flatMap((c) => [c.name, ...(c.aliases ?? [])].map((s) => [s, c.name] as const)),
);

/** The command `word` (after the '/', any case) names, alias or not. */
export function commandNamed(word: string): CommandInfo | undefined {
  const name = SPELLINGS.get(word.toLowerCase());
  return name === undefined ? undefined : COMMANDS[name];
}

/** `unknown command /mgs: did you mean /msg? (/help lists them)`, or without a guess. */
function unknownCommand(word: string): string {
  const close = closestSpellings(word, SPELLINGS.keys()).map((s) => `/${s}`);
  if (close.length === 0) return `unknown command /${word} (try /help)`;
  return `unknown command /${word}: did you mean ${close.join(' or ')}? (/help lists them)`;
}

export type Parsed = { ok: true; command: Command } | { ok: false; error: string };

/** More than one line (a trailing line break adds none): never a command (parseInput). */
export function severalLines(line: string): boolean {
  return line.trimEnd().includes('\n');
}

/**
 * What a submitted input means. Input of more than one line (a paste, Ctrl-J) is never a
 * command: it is sent as typed, a leading `/` or `//` included. A trial pasted
 * `/var/log/syslog shows:` and a log line and got `unknown command`, and a pasted
 * `/msg carol` and a line sent that line to carol from a group.
 */
export function parseInput(line: string): Parsed {
  if (severalLines(line)) {
    return line.trim().length === 0
      ? { ok: false, error: 'nothing to send' }
      : { ok: true, command: { kind: 'say', text: line } };
  }
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    return text.trim().length === 0
      ? { ok: false, error: 'nothing to send' }
      : { ok: true, command: { kind: 'say', text } };
  }
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line);
  const word = (match?.[1] ?? '').toLowerCase();
  const found = commandNamed(word);
  if (found === undefined) return { ok: false, error: unknownCommand(word) };
  const command = COMMANDS[found.name].parse(splitArgs(match?.[2] ?? ''));
  return command === null ? { ok: false, error: `usage: ${found.usage}` } : { ok: true, command };
}

/** Carries out a parsed line: a message goes to the active conversation, a command to its file. */
export async function runCommand(command: Command, host: CommandHost): Promise<void> {
  if (command.kind === 'say') return host.say(command.text);
  return runSlash(command, host);
}

function runSlash<N extends CommandName>(command: Invocation<N>, host: CommandHost) {
  const entry: SlashCommand<N> = COMMANDS[command.kind];
  return entry.run(command, host);
}

function splitArgs(rest: string): Args {
  const text = rest.trim();
  const [first = '', ...others] = text.split(/\s+/);
  return { text, first, more: others.length, tail: text.slice(first.length).trim() };
}
