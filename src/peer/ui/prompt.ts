/**
 * Line prompts for before the screen opens (first-run pseudonym, passphrase).
 * A hidden prompt echoes nothing; on a terminal it reads in raw mode so the
 * passphrase never appears, elsewhere (pipes, tests) it reads a plain line.
 */
import type { Readable } from 'node:stream';
import { UiCode, uiError } from './errors.js';

export interface PromptIo {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: { write(chunk: string): unknown };
}

/** Longest answer accepted: a passphrase or a name, not a file. */
export const MAX_ANSWER_CHARS = 1_024;

/** Asks `question`; resolves with the answer line (without the newline). Ctrl-C / end of input reject. */
export function ask(
  io: PromptIo,
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  io.output.write(question);
  const raw =
    options.hidden === true && io.input.isTTY === true && typeof io.input.setRawMode === 'function';
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (err: Error | null) => {
      io.input.off('data', onData);
      io.input.off('end', onEnd);
      if (raw) io.input.setRawMode?.(false);
      io.input.pause();
      if (options.hidden) io.output.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onEnd = () => finish(uiError(UiCode.Cancelled, 'prompt: input ended'));
    const onData = (chunk: Buffer | string) => {
      const text = chunk.toString();
      let i = 0;
      for (const ch of text) {
        i += ch.length;
        const done = ch === '\r' || ch === '\n';
        const cancelled = ch === '\u0003' || ch === '\u0004';
        if (done || cancelled) {
          // What follows belongs to the next prompt (piped answers arrive together).
          const rest = text.slice(text[i - 1] === '\r' && text[i] === '\n' ? i + 1 : i);
          finish(cancelled ? uiError(UiCode.Cancelled, 'prompt: cancelled') : null);
          if (rest.length > 0) io.input.unshift(Buffer.from(rest));
          return;
        }
        if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('');
        else if (ch >= ' ' && answer.length < MAX_ANSWER_CHARS) answer += ch;
      }
    };
    if (raw) io.input.setRawMode?.(true);
    io.input.on('data', onData);
    io.input.on('end', onEnd);
    io.input.resume();
  });
}
