/**
 * What `natter send` is asked to send, checked whole before anything is queued
 * (issue 13): a bad recipient name is bad usage (exit 2), and a line over the
 * limit is named by its line number, with nothing queued.
 */
import { MAX_TEXT_BYTES, normalizePseudonym, pseudonymProblem } from '../peer/index.js';
import { UsageError } from './context.js';
import { CliCode, cliError } from './errors.js';
import { sanitize } from './format.js';

export interface SendInputOptions {
  to?: string;
  group?: string;
  eachLine?: boolean;
}

/** `--to NAME` as given (`@NAME` too); bad usage (E_USAGE) when nobody could register it ('', a control...). */
export function recipientOf(command: string, to: string): string {
  return pseudonymArg(`${command}: --to`, to);
}

/**
 * A person's name as typed, one leading '@' dropped (`@carol`), as the chat's `/msg @carol`
 * takes it: no name registered since issue 8 starts with '@' (newPseudonymProblem).
 */
export function withoutAt(name: string): string {
  return name.startsWith('@') && name.length > 1 ? name.slice(1) : name;
}

/**
 * A NAME argument (`fingerprint NAME`, `trust NAME`) as given (`@NAME` too); bad usage in the words
 * recipientOf says it, before anything is opened or asked (a new-user trial found
 * `fingerprint 'bad name'` exiting 1 with the core's E_BAD_PSEUDONYM where send exits 2).
 */
export function nameArgOf(command: string, name: string): string {
  return pseudonymArg(`${command}:`, name);
}

function pseudonymArg(prefix: string, typed: string): string {
  const name = withoutAt(typed);
  const problem = pseudonymProblem(normalizePseudonym(name));
  if (problem !== null)
    throw new UsageError(`${prefix} '${sanitize(typed)}' is not a pseudonym: it ${problem}`);
  return name;
}

/** Whom to send to: exactly one of --to and --group. */
export type Target = { kind: 'direct'; to: string } | { kind: 'group'; group: string };

/** Line numbers named in one error before "and N more". */
const MAX_LINES_NAMED = 5;

export function sendTarget(opts: SendInputOptions): Target {
  if (opts.to !== undefined && opts.group !== undefined)
    throw new UsageError('send: --to or --group, not both');
  if (opts.to !== undefined) return { kind: 'direct', to: recipientOf('send', opts.to) };
  if (opts.group !== undefined) return { kind: 'group', group: opts.group };
  throw new UsageError('send: missing --to NAME or --group GROUP');
}

/**
 * Words after TEXT (`send --to bob hello world`, `send bob hi`): bad usage that shows the
 * command with the message quoted (the seventeenth sitting's newcomer trial met commander's
 * "too many arguments" with no hint). Without --to or --group the first word is taken as
 * the name, as `send bob hi` means it.
 */
export function oneText(args: readonly string[], opts: SendInputOptions): void {
  if (args.length <= 1) return;
  const guessed = opts.to === undefined && opts.group === undefined;
  const [first = '', second = ''] = args;
  // `send bob "hi"`: the text was quoted, --to forgotten (a QA trial was told to quote it).
  // Two words and no --to or --group can mean nothing else, so no contact is looked up
  // (usage is settled before the profile is opened); a first word no one could register
  // is no name, and is left to the quoting hint.
  if (
    guessed &&
    args.length === 2 &&
    pseudonymProblem(normalizePseudonym(withoutAt(first))) === null
  ) {
    throw new UsageError(
      `send: no --to: did you mean natter send --to ${sanitize(shellWord(first))} ${sanitize(shellQuoted(second))}?`,
    );
  }
  const target =
    opts.group !== undefined
      ? `--group ${shellWord(opts.group)}`
      : `--to ${shellWord(guessed ? (args[0] ?? '') : (opts.to ?? ''))}`;
  const words = (guessed ? args.slice(1) : args).join(' ');
  throw new UsageError(
    `send: the message is one argument: quote it, as in natter send ${sanitize(target)} ${sanitize(shellQuoted(words))}`,
  );
}

/** A word as a shell takes it back: bare when plain, else quoted. */
function shellWord(word: string): string {
  return /^[\w@#.,:+=%/-]+$/u.test(word) ? word : shellQuoted(word);
}

/** Double quotes where they keep the text as it is, else single quotes (the POSIX '\'' escape). */
function shellQuoted(text: string): string {
  return /["$`\\!]/.test(text) ? `'${text.replaceAll("'", "'\\''")}'` : `"${text}"`;
}

/**
 * The messages to send, each within MAX_TEXT_BYTES. With --each-line every line of
 * stdin is one message and empty lines are skipped (a trailing newline, blank
 * separators); E_TOO_LARGE names the lines over the limit.
 */
export async function messagesFrom(
  text: string | undefined,
  opts: SendInputOptions,
  stdin: () => Promise<string>,
): Promise<string[]> {
  if (opts.eachLine) {
    if (text !== undefined && text !== '-')
      throw new UsageError("send: --each-line reads stdin; pass no TEXT (or '-')");
    const lines = (await stdin()).split(/\r?\n/);
    const over = lines.flatMap((line, i) => (tooLarge(line) ? [i + 1] : []));
    if (over.length > 0) {
      const named = over.slice(0, MAX_LINES_NAMED).join(', ');
      const more =
        over.length > MAX_LINES_NAMED ? ` and ${over.length - MAX_LINES_NAMED} more` : '';
      throw cliError(
        CliCode.TooLarge,
        `send: line${over.length > 1 ? 's' : ''} ${named}${more} of stdin over the ${MAX_TEXT_BYTES}-byte limit of a message; nothing was queued`,
      );
    }
    return lines.filter((line) => line.length > 0);
  }
  if (text === undefined) throw new UsageError("send: missing TEXT (or '-' to read stdin)");
  // `echo hi | natter send --to bob -` sends "hi", not "hi\n".
  const message = text === '-' ? (await stdin()).replace(/\r?\n$/, '') : text;
  // No message is bad usage, as a missing TEXT is (`"$MSG"` unset): docs/decisions.md.
  if (message.length === 0) throw new UsageError('send: the message is empty; nothing was queued');
  if (tooLarge(message)) {
    throw cliError(
      CliCode.TooLarge,
      `send: the message is ${Buffer.byteLength(message, 'utf8')} bytes, over the ${MAX_TEXT_BYTES}-byte limit; nothing was queued`,
    );
  }
  return [message];
}

function tooLarge(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES;
}
