/** Runs the natter CLI in-process with captured output, its own env and stdin. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startTestRelay, type TestRelay } from './relay.js';
import { makeTempDir, removeTempDirs } from './tmp.js';

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
  /**
   * Stdout's reader goes away after this many lines (`| head -N`): every later
   * write fails with EPIPE, as a closed pipe's does.
   */
  stdoutLines?: number;
  /** Stderr is a terminal (progress lines). */
  stderrTTY?: boolean;
  /** Stdin is a terminal: commands may prompt (the answers come from `stdin`). */
  stdinTTY?: boolean;
  /** Called with each stdout chunk as it is written (to follow a long-running command). */
  onStdout?: (chunk: string) => void;
  /** The same for stderr. */
  onStderr?: (chunk: string) => void;
}

/** A write to a pipe whose reader has gone. */
function epipe(): Error {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let lines = 0;
  const io: CliIo = {
    stdout: {
      write: (s: string, callback?: (err?: Error | null) => void) => {
        lines += s.split('\n').length - 1;
        const open = options.stdoutLines === undefined || lines <= options.stdoutLines;
        if (open) {
          stdout += s;
          options.onStdout?.(s);
        }
        // Like a stream: the callback comes later, with the error if the write failed.
        queueMicrotask(() => callback?.(open ? null : epipe()));
        return open;
      },
    },
    stderr: {
      write: (s: string, callback?: (err?: Error | null) => void) => {
        stderr += s;
        options.onStderr?.(s);
        queueMicrotask(() => callback?.(null));
        return true;
      },
      isTTY: options.stderrTTY === true,
    },
    stdin: Object.assign(
      Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
      options.stdinTTY ? { isTTY: true } : {},
    ),
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

/** A command's stdout as JSON lines (`--json` output), one value per non-empty line. */
export function jsonLines<T>(r: Pick<CliRun, 'stdout'>): T[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/**
 * `natter --profile DIR/WHO ...` with the test's environment (`as`), and the same
 * expecting exit 0 (`ok`). `where` is read at each call: a beforeEach sets both.
 */
export function profileCli(where: () => { dir: string; env: Record<string, string> }) {
  const as = (who: string, argv: string[], options: CliOptions = {}) => {
    const { dir, env } = where();
    return runCli(['--profile', join(dir, who), ...argv], {
      ...options,
      env: { ...env, ...options.env },
    });
  };
  const ok = async (who: string, argv: string[], options: CliOptions = {}) => {
    const r = await as(who, argv, options);
    assert.equal(r.code, 0, `${who}: natter ${argv.join(' ')}: ${r.stderr}`);
    return r;
  };
  return { as, ok };
}

/**
 * profileCli against a test relay of its own for each test, in a temp dir (beforeEach and
 * afterEach registered here): `NATTER_RELAY` points at it. `dir()` is the test's folder.
 */
export function cliOnTestRelay() {
  let relay: TestRelay | undefined;
  let dir = '';
  let env: Record<string, string> = {};
  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
  });
  afterEach(async () => {
    await relay?.close();
    await removeTempDirs();
  });
  return { ...profileCli(() => ({ dir, env })), dir: () => dir };
}
