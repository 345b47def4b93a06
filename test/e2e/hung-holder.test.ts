/**
 * A holder stopped after commands attached to it (real processes: the holder is a built
 * `natter inbox --follow`, stopped with SIGSTOP as Ctrl-Z would): `who --watch` and
 * `inbox --follow` attached through its control socket notice within a few seconds, name
 * it, and exit 1 (control-beat.ts), rather than wait for ever.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOLDER_SILENT_MS } from '../../src/cli/control-beat.js';
import { HOLDER_FILE_NAME } from '../../src/cli/holder-file.js';
import { runCli } from '../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { builtCli } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

const until = async (check: () => boolean, what: string, ms = 15_000) => {
  for (let waited = 0; waited < ms; waited += 20) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('e2e: commands attached to a holder that stops answering', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let profile: string;
  let env: Record<string, string>;
  let holder: ChildProcess | null = null;

  beforeEach(async () => {
    relay = await startTestRelay();
    profile = join(await makeTempDir(), 'carol');
    env = {
      NATTER_RELAY: `${relay.host}:${relay.port}`,
      NATTER_PRESENCE: '0',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_RELAY_PRESENCE: '0',
    };
    const init = await runCli(['--profile', profile, 'init', '--name', 'carol'], { env });
    assert.equal(init.code, 0, init.stderr);
  });

  afterEach(async () => {
    const child = holder;
    holder = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Resumed first: a stopped process does not act on SIGTERM until it runs again.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    }
    await relay.close();
    await removeTempDirs();
  });

  it('who --watch and inbox --follow attached to it say that it stopped answering, and exit 1, within seconds', async () => {
    const child = spawn(process.execPath, [builtCli, '--profile', profile, 'inbox', '--follow'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    holder = child;
    const pid = child.pid!;
    await until(() => existsSync(join(profile, HOLDER_FILE_NAME)), 'the holder serving its socket');

    const runs = ['who --watch', 'inbox --follow'].map((command) => {
      let stop: (signal: string) => void = () => undefined;
      let stderr = '';
      const stopped = new Promise<string>((resolve) => {
        stop = resolve;
      });
      const run = runCli(['--profile', profile, ...command.split(' ')], {
        env,
        stop: stopped,
        onStderr: (chunk) => {
          stderr += chunk;
        },
      });
      return { command, run, stop, stderr: () => stderr };
    });
    // Attached: the watch prints its list, the follower has taken its first batch.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = Date.now();
    child.kill('SIGSTOP');
    // Without heartbeats they wait for ever: stopped after a while, to fail rather than hang.
    const giveUp = setTimeout(() => {
      for (const r of runs) r.stop('SIGTERM');
    }, HOLDER_SILENT_MS + 8_000);
    try {
      for (const r of runs) {
        const result = await r.run;
        const took = Date.now() - started;
        assert.equal(result.code, 1, `${r.command}: ${result.stderr}`);
        assert.match(
          result.stderr,
          new RegExp(
            `natter chat or inbox --follow \\(pid ${pid}\\).*has said nothing for ${HOLDER_SILENT_MS / 1000} s \\(stopped or hung\\).*kill -CONT ${pid}.*\\(E_PROFILE_IN_USE\\)\\n$`,
          ),
          r.command,
        );
        assert.ok(
          took < HOLDER_SILENT_MS + 3_000,
          `${r.command} noticed within seconds (${took} ms)`,
        );
      }
    } finally {
      clearTimeout(giveUp);
    }
  });
});
