/**
 * What a CLI run touches of the outside world, as one parameter, so tests can run
 * `main()` in-process with captured output, their own environment and stdin.
 */
import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Where output goes. `callback` runs once the chunk was written, with an error if it
 * was not (EPIPE: the reader went away, `natter inbox | head -1`): output.ts.
 */
export interface CliWriter {
  write(chunk: string, callback?: (err?: Error | null) => void): unknown;
  /** A terminal: progress lines go to stderr only then. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  stdout: CliWriter;
  stderr: CliWriter;
  stdin: Readable;
  env: Record<string, string | undefined>;
  /** Resolves when the user asks a long-running command to stop (SIGINT/SIGTERM). */
  stopSignal: () => Promise<string>;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  stopSignal: () =>
    new Promise((resolve) => {
      const on = (signal: string) => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
        resolve(signal);
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
    }),
};

/** All of stdin as UTF-8. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True if something exists at `path` (a key file, a settings file). */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
