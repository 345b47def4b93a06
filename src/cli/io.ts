/**
 * What a CLI run touches of the outside world, as one parameter, so tests can run
 * `main()` in-process with captured output, their own environment and stdin.
 */
import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
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
