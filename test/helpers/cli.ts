/** Runs the natter CLI in-process with captured output, its own env and stdin. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Resolves when a long-running command (inbox --follow, relay) should stop. */
  stop?: Promise<string>;
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    // A clean environment: nothing from the developer's shell leaks into a test,
    // and no UDP presence unless a test asks for it (on its own port, on loopback).
    env: {
      HOME: '/nonexistent-home',
      NATTER_PRESENCE: '0',
      NATTER_RELAY_PRESENCE: '0',
      ...options.env,
    },
    stopSignal: () => options.stop ?? new Promise(() => undefined),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
