/**
 * The passphrase of a sealed key file, for every command (issue 13): from
 * `--passphrase-file F` / NATTER_PASSPHRASE_FILE (scripts), else asked on the
 * terminal (hidden), else E_PASSPHRASE_REQUIRED naming both ways. A passphrase
 * is only ever handed to the core's key file code: never logged, never printed.
 */
import { isIdentitySealed } from '../peer/index.js';
import { ask, type PromptIo } from '../peer/ui/index.js';
import { isNatterError } from '../util/errors.js';
import { CliCode, cliError } from './errors.js';
import type { CliIo } from './io.js';

/** Wrong passphrases typed at the prompt before the command gives up (E_BAD_PASSPHRASE). */
export const PASSPHRASE_ATTEMPTS = 3;

/** How a script unlocks a sealed key, said in every error that needs it. */
export const PASSPHRASE_HINT =
  'pass --passphrase-file FILE or set NATTER_PASSPHRASE_FILE (a file whose first line is the passphrase), or run the command on a terminal to be asked';

/** Stdin is a terminal: someone can answer a prompt. */
export function canPrompt(io: CliIo): boolean {
  return (io.stdin as { isTTY?: boolean }).isTTY === true;
}

function promptIo(io: CliIo): PromptIo {
  return { input: io.stdin, output: io.stderr };
}

/**
 * Opens something with the key file's passphrase: `given` (a passphrase file) if
 * any; else, for a sealed key on a terminal, the typed one (asked again after a
 * wrong one, up to PASSPHRASE_ATTEMPTS); else none. A sealed key with no way to
 * ask fails E_PASSPHRASE_REQUIRED with the ways to give it.
 */
export async function withPassphrase<T>(
  io: CliIo,
  keyFile: string,
  given: string | undefined,
  open: (passphrase: string | undefined) => Promise<T>,
): Promise<T> {
  const sealed = given === undefined && (await isIdentitySealed(keyFile).catch(() => false));
  if (!sealed || !canPrompt(io)) {
    try {
      return await open(given);
    } catch (err) {
      if (!isNatterError(err, 'E_PASSPHRASE_REQUIRED')) throw err;
      throw cliError(
        CliCode.PassphraseRequired,
        `the key file ${keyFile} is sealed: ${PASSPHRASE_HINT}`,
        {
          cause: err,
        },
      );
    }
  }
  for (let attempt = 1; ; attempt++) {
    const typed = await ask(promptIo(io), 'passphrase: ', { hidden: true });
    try {
      return await open(typed);
    } catch (err) {
      if (!isNatterError(err, 'E_BAD_PASSPHRASE') || attempt >= PASSPHRASE_ATTEMPTS) throw err;
      io.stderr.write('wrong passphrase, try again\n');
    }
  }
}

/** A new passphrase, typed twice on the terminal (`init --seal`). */
export async function askNewPassphrase(io: CliIo): Promise<string> {
  if (!canPrompt(io)) {
    throw cliError(
      CliCode.PassphraseRequired,
      `init --seal: no terminal to ask for a passphrase: ${PASSPHRASE_HINT}`,
    );
  }
  const pio = promptIo(io);
  for (;;) {
    const first = await ask(pio, 'passphrase to seal your key: ', { hidden: true });
    if (first === '') {
      io.stderr.write('the passphrase must not be empty\n');
      continue;
    }
    if ((await ask(pio, 'again: ', { hidden: true })) === first) return first;
    io.stderr.write('the two did not match\n');
  }
}
