/**
 * A line that says what `natter chat` is doing before its screen opens (`connecting…`,
 * `registering…`), erased once that is done: the screen restores the terminal as it
 * found it when the chat quits, and a trial found `connecting…` left there as the last
 * thing on it, as if the chat were still trying.
 */

export interface StatusOutput {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Erases the line the cursor is on (CR, then EL 2: the whole line). */
const ERASE_LINE = '\r\x1b[2K';

/**
 * Shows `text` (plain, no peer text) on `output`; the returned function erases it (safe to
 * call again). Where the output is no terminal (redirected to a file) the line is kept,
 * as a log would keep it, and nothing is erased.
 */
export function statusLine(output: StatusOutput, text: string): () => void {
  if (output.isTTY !== true) {
    output.write(`${text}\n`);
    return () => undefined;
  }
  output.write(text);
  let shown = true;
  return () => {
    if (!shown) return;
    shown = false;
    output.write(ERASE_LINE);
  };
}
