/** The built CLI (dist/cli.js) as a process of its own, for e2e tests: its exit code and output. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const builtCli = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `natter ARGS` with `env` over this process's, `stdin` written and closed. */
export function natterProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [builtCli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
