/**
 * What `natter inbox` says when its relay cannot reach its mail store and when it can
 * again, and the waits the tests of that use (cluster/store-down.test.ts,
 * relay/read-fails.test.ts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { CliOptions, CliRun } from './cli.js';

export const STORE_DOWN =
  'natter: the relay cannot reach its mail store; waiting mail will arrive when it is back (E_STORE_UNAVAILABLE)\n';
export const STORE_BACK = 'natter: the relay reaches its mail store again; waiting mail follows\n';

/** Resolves once `check` holds (polled every 20 ms, `ms` at most). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Relay sessions a profile's log says became ready. */
export async function sessionsReady(log: string): Promise<number> {
  return (await readFile(log, 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l.includes('relay session ready')).length;
}

/**
 * `natter inbox --follow --json` as `who` through `as` (profileCli's): what it printed so
 * far, Ctrl-C, and its end.
 */
export function followInbox(
  as: (who: string, argv: string[], options?: CliOptions) => Promise<CliRun>,
  who: string,
): { out: () => string; stop: (signal: string) => void; done: Promise<CliRun> } {
  let stop: (signal: string) => void = () => undefined;
  let out = '';
  const done = as(who, ['inbox', '--follow', '--json'], {
    stop: new Promise<string>((resolve) => {
      stop = resolve;
    }),
    onStdout: (chunk) => {
      out += chunk;
    },
  });
  return { out: () => out, stop: (signal) => stop(signal), done };
}
