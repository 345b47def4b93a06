/**
 * A command's stdout, line by line, knowing which lines were written (issue 13).
 * A reader that went away (`natter inbox | head -1`) is not a failure: the
 * command ends quietly with exit 0, as other Unix tools do, and what was not
 * written is not counted as shown (inbox leaves those messages unread).
 */
import { NatterError } from '../util/errors.js';
import type { CliWriter } from './io.js';

/** Stdout was closed by its reader: main.ts ends the command with exit 0 and no message. */
export class StdoutClosed extends NatterError {
  constructor() {
    super('E_STDOUT_CLOSED', 'stdout: the reader went away');
    this.name = 'StdoutClosed';
  }
}

export class Output {
  /** Resolves when a write fails: a long-running command stops then (CliContext.stopped). */
  readonly closed: Promise<void>;
  private isGone = false;
  private gone: () => void = () => undefined;
  /** The last write: writes complete in order, so this settles after all before it. */
  private last: Promise<boolean> = Promise.resolve(true);

  constructor(private readonly stream: CliWriter) {
    this.closed = new Promise((resolve) => {
      this.gone = resolve;
    });
  }

  /** True once a write failed: nothing more reaches the reader. */
  get isClosed(): boolean {
    return this.isGone;
  }

  /**
   * Writes `text` and a newline; resolves true once written, false if stdout was
   * closed first. Throws StdoutClosed when a write already failed, so a loop over
   * many lines stops at the first one after.
   */
  line(text: string): Promise<boolean> {
    if (this.isGone) throw new StdoutClosed();
    const written = new Promise<boolean>((resolve) => {
      const done = (err?: Error | null) => {
        if (err) {
          this.isGone = true;
          this.gone();
        }
        resolve(!err);
      };
      try {
        this.stream.write(`${text}\n`, done);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
    this.last = written;
    return written;
  }

  /** Resolves once every line so far was written; throws StdoutClosed if one was not. */
  async flushed(): Promise<void> {
    if (!(await this.last) || this.isGone) throw new StdoutClosed();
  }
}
