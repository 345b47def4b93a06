/**
 * `natter chat` through a real terminal: tmux runs two clients in 80x24 panes
 * against a spawned relay that they find on loopback presence (no relay address
 * is typed anywhere). Keys are sent with send-keys; what a person sees is read
 * with capture-pane. A third user with a hostile pseudonym writes with
 * `natter send`. Skips, saying why, when tmux is not installed.
 *
 * NATTER_WRITE_SCREENS=1 also writes the final screens to docs/screens/.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freeUdpPort } from '../integration/presence/helpers.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const EVIL = '{bold}evil{/bold}';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The newest modification time under `dir`, in ms. */
async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
}

async function buildIfStale(): Promise<void> {
  const built = await stat(cli).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built < (await newest(join(root, 'src')))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: natter chat in tmux, two users and a relay found on the LAN', function () {
  this.timeout(90_000);
  let dir: string;
  let env: Record<string, string>;
  let relay: ChildProcess | undefined;
  const socket = `natter-e2e-${process.pid}`;

  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-L', socket, ...args], { env })).stdout;
  const screen = async (who: string) => tmux('capture-pane', '-p', '-t', who);
  const typeText = (who: string, text: string) => tmux('send-keys', '-t', who, '-l', text);
  const key = (who: string, ...keys: string[]) => tmux('send-keys', '-t', who, ...keys);

  /** Waits until `who`'s screen satisfies `ok`; fails with the last screen. */
  async function until(
    who: string,
    ok: (s: string) => boolean,
    what: string,
    ms = 10_000,
  ): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen(who);
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`${who}: ${what}; the screen was:\n${last}`);
  }

  const natter = (args: string[]) => run(process.execPath, [cli, ...args], { env, cwd: root });

  before(async function () {
    if (!hasTmux()) {
      this.skip(); // tmux is not installed here (.ci/run installs it): nothing can drive a terminal
    }
    await buildIfStale();
    dir = await mkdtemp(join(tmpdir(), 'natter-chat-e2e-'));
    const port = await freeUdpPort();
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      NATTER_PRESENCE_PORT: String(port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    relay = spawn(
      process.execPath,
      [cli, 'relay', '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'relay')],
      {
        env,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((ready, fail) => {
      let out = '';
      relay!.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('listening on')) ready();
      });
      relay!.once('exit', (code) => fail(new Error(`relay exited (${code}): ${out}`)));
    });
    // Identities made up front, so the clients start without prompts.
    for (const [who, name] of [
      ['alice', 'alice'],
      ['bob', 'bob'],
      ['evil', EVIL],
    ] as const) {
      await natter(['--profile', join(dir, who), 'init', '--name', name]);
    }
    // A private server (its own socket, no user config) kept up by an idle session.
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'idle', 'sleep 300');
  });

  after(async () => {
    if (env === undefined) return;
    await tmux('kill-server').catch(() => undefined);
    relay?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  function startChat(who: string): Promise<string> {
    const args = [cli, '--profile', join(dir, who), 'chat'].map((a) => `'${a}'`).join(' ');
    const command = `'${process.execPath}' ${args}; echo "natter chat exited with status $?"; sleep 60`;
    return tmux('new-session', '-d', '-s', who, '-x', '80', '-y', '24', command);
  }

  it('shows peers, messages, unread badges, a hostile name literally, and a clean quit', async () => {
    await startChat('alice');
    await startChat('bob');
    // Both find the relay by its beacon and each other through presence.
    await until('alice', (s) => /^● bob\? +(lan|relay|both) │/m.test(s), 'bob appears online');
    await until('bob', (s) => /^● alice\? +(lan|relay|both) │/m.test(s), 'alice appears online');
    await tmux('pipe-pane', '-o', '-t', 'alice', `cat >> '${join(dir, 'alice.pane')}'`);

    // alice opens a conversation with Tab completion and writes.
    await typeText('alice', '/msg b');
    await key('alice', 'Tab');
    await until('alice', (s) => s.includes('> /msg bob'), 'the name is completed');
    await key('alice', 'Enter');
    await typeText('alice', 'hello bob, 世界 😀');
    await key('alice', 'Enter');
    // Stored on the relay (✓), or already delivered (✓✓).
    await until('alice', (s) => /alice: hello bob, 世界 😀 ✓/.test(s), 'her message is stored');

    // bob was not looking at it: an unread badge (@: it mentions him), then the message.
    let bob = await until('bob', (s) => /^1 ● alice\? +@1 │/m.test(s), 'an unread badge for alice');
    assert.match(bob, /│ 1 unread/);
    await key('bob', 'M-1');
    bob = await until('bob', (s) => /\d\d:\d\d alice: hello bob, 世界 😀/.test(s), 'the message');
    assert.doesNotMatch(bob, /unread/);
    await typeText('bob', 'hi alice!');
    await key('bob', 'Enter');
    await until('alice', (s) => /\d\d:\d\d bob: hi alice!/.test(s), 'the reply');

    // bob steps away: alice sees his status and its text.
    await typeText('bob', '/status away back at two');
    await key('bob', 'Enter');
    await until('bob', (s) => / bob ◐ away “back at two” │/.test(s), 'his own status');
    await until(
      'alice',
      (s) => /^◐ bob\? +(lan|relay|both) │/m.test(s) && /│ bob ◐ away “back at two”/.test(s),
      'bob is away',
    );

    // A third conversation, from someone with a hostile name: badge, bell, shown literally.
    await natter([
      '--profile',
      join(dir, 'evil'),
      'send',
      '--to',
      'alice',
      'ping \u001b[2J{red-fg}boo{/red-fg}',
    ]);
    const alice = await until(
      'alice',
      (s) => /^2 {3}\{bold\}evil\{\S*…\? +1 │/m.test(s),
      'a badge for the third conversation',
    );
    assert.match(alice, /^1 ◐ bob\? +│/m);
    await sleep(200);
    assert.ok(
      (await readFile(join(dir, 'alice.pane'), 'utf8')).includes('\u0007'),
      'the bell rang',
    );
    if (process.env.NATTER_WRITE_SCREENS === '1') {
      await writeFile(join(root, 'docs', 'screens', 'chat-alice.txt'), await screen('alice'));
      await writeFile(join(root, 'docs', 'screens', 'chat-bob.txt'), await screen('bob'));
    }
    await key('alice', 'M-2');
    const evil = await until(
      'alice',
      (s) => s.includes('{bold}evil{/bold}: ping [2J{red-fg}boo{/red-fg}'),
      'the hostile message, literally',
    );
    assert.match(evil, /│ \{bold\}evil\{\/bold\} ○ offline/);
    await key('alice', 'M-1');

    // Safety numbers: the same on both screens; alice marks bob verified.
    await typeText('alice', '/verify bob');
    await key('alice', 'Enter');
    await typeText('bob', '/verify alice');
    await key('bob', 'Enter');
    const digits = (s: string) =>
      [...s.matchAll(/│ {4}(\d{5} \d{5} \d{5} \d{5})/g)].map((m) => m[1]);
    const a = digits(await until('alice', (s) => digits(s).length === 3, 'the safety number'));
    const b = digits(await until('bob', (s) => digits(s).length === 3, 'the safety number'));
    assert.deepEqual(a, b);
    await typeText('alice', 'y');
    await key('alice', 'Enter');
    await until('alice', (s) => /^◐ bob✓ +(lan|relay|both) │/m.test(s), 'bob is verified');
    await key('bob', 'Escape');

    // bob quits with Ctrl-C; alice sees him leave at once.
    await key('bob', 'C-c');
    await until('bob', (s) => s.includes('natter chat exited with status 0'), 'a clean exit');
    await until(
      'alice',
      (s) => /^ {2}nobody yet/m.test(s) && /\* bob left/.test(s),
      'bob leaves',
      3_000,
    );
    await key('alice', 'C-c');
    await until('alice', (s) => s.includes('natter chat exited with status 0'), 'a clean exit');
  });
});
