/**
 * Issue 13 item 6 in a real terminal: a profile made while the relay was unreachable,
 * whose name someone else took meanwhile, is not stuck. `natter chat` says the name is
 * taken, asks for another before its screen opens, claims it for the same identity and
 * saves it; others reach the user under the new name. tmux drives the chat at 80x24;
 * the relay is given by address and presence is off, so nothing leaves loopback.
 * Skips, saying why, when tmux is not installed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('e2e: natter chat asks for another name when the relay says it is taken', function () {
  this.timeout(60_000);
  let dir: string;
  let env: Record<string, string>;
  let relay: ChildProcess | undefined;
  let relayAt = '';
  const socket = `natter-rename-${process.pid}`;

  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-L', socket, ...args], { env })).stdout;
  const screen = () => tmux('capture-pane', '-p', '-t', 'sam');
  const natter = (profile: string, args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, [cli, '--profile', join(dir, profile), ...args], {
      env: { ...env, ...extra },
      cwd: root,
    });

  async function until(ok: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen();
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`sam: ${what}; the screen was:\n${last}`);
  }

  before(async function () {
    if (!hasTmux()) {
      this.skip(); // tmux is not installed here (.ci/run installs it): nothing can drive a terminal
    }
    dir = await mkdtemp(join(tmpdir(), 'natter-chat-rename-'));
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      NATTER_PRESENCE: '0',
      NATTER_RELAY_PRESENCE: '0',
    };
    relay = spawn(
      process.execPath,
      [cli, 'relay', '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'relay')],
      { env, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    relayAt = await new Promise<string>((ready, fail) => {
      let out = '';
      relay!.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (\S+:\d+)/.exec(out);
        if (m?.[1]) ready(m[1]);
      });
      relay!.once('exit', (code) => fail(new Error(`relay exited (${code}): ${out}`)));
    });
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'idle', 'sleep 300');
  });

  after(async () => {
    if (env === undefined) return;
    await tmux('kill-server').catch(() => undefined);
    relay?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('prompts for a new name, registers it for the same identity, saves it, and is reachable by it', async () => {
    // Made while the relay was unreachable; meanwhile carol took the name 'sam'.
    await natter('sam', ['init', '--name', 'sam'], { NATTER_RELAY: '127.0.0.1:1' });
    await natter('carol', ['init', '--name', 'sam'], { NATTER_RELAY: relayAt });
    await natter('dave', ['init', '--name', 'dave'], { NATTER_RELAY: relayAt });
    const before = JSON.parse(await readFile(join(dir, 'sam', 'identity.json'), 'utf8')) as {
      signPk?: string;
    };

    const args = [cli, '--profile', join(dir, 'sam'), '--relay', relayAt, 'chat']
      .map((a) => `'${a}'`)
      .join(' ');
    const command = `'${process.execPath}' ${args}; echo "natter chat exited with status $?"; sleep 60`;
    await tmux('new-session', '-d', '-s', 'sam', '-x', '80', '-y', '24', command);

    const asked = await until((s) => /pseudonym \(1-32 characters/.test(s), 'asks for a name');
    assert.match(asked, /the name 'sam' is taken on this relay; choose another/);
    await tmux('send-keys', '-t', 'sam', '-l', 'sam2');
    await tmux('send-keys', '-t', 'sam', 'Enter');
    // The screen opens as sam2, connected.
    await until((s) => /sam2/.test(s) && !/pseudonym \(1-32/.test(s), 'the chat opens as sam2');

    const config = JSON.parse(await readFile(join(dir, 'sam', 'config.json'), 'utf8')) as {
      pseudonym?: string;
    };
    assert.equal(config.pseudonym, 'sam2', 'the new name is saved');
    const after = JSON.parse(await readFile(join(dir, 'sam', 'identity.json'), 'utf8')) as {
      signPk?: string;
    };
    assert.match(before.signPk ?? '', /^[0-9a-f]{64}$/);
    assert.equal(after.signPk, before.signPk, 'the same identity');

    // dave reaches the user under the new name, and the chat shows the message.
    const sent = await natter('dave', ['send', '--to', 'sam2', 'found you'], {
      NATTER_RELAY: relayAt,
    });
    assert.equal(sent.stderr, '');
    await until((s) => /dave/.test(s), 'a conversation with dave appears');
  });
});
