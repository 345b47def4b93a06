/**
 * A long message and a long input line in a real terminal: a 60 KB message arrives and
 * the chat shows its first rows and `… N more lines (/expand)`, `/expand` shows it from
 * its start; the input box wraps a long line at spaces; Tab in input of several lines
 * offers no command. tmux (its own socket, sessions named chatlong-…) drives the chat at
 * 80x24; the relay is on 127.0.0.1 and presence stays on loopback. Skips, saying why,
 * when tmux is not installed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasTmux, root, sleep } from './fixtures/tmux-chat.js';

const run = promisify(execFile);
const cli = join(root, 'dist', 'cli.js');
/** About 60 KB: 625 numbered lines of 96 characters. */
const LONG = Array.from(
  { length: 625 },
  (_, i) => `line ${String(i + 1).padStart(3, '0')} ${'y'.repeat(87)}`,
).join('\n');
const WORDS = 'the quick brown fox jumps over the lazy dog';

describe('e2e: natter chat with a long message and a long input line', function () {
  this.timeout(60_000);
  let dir: string;
  let env: Record<string, string>;
  let relay: ChildProcess | undefined;
  let relayAt = '';
  const socket = `chatlong-${process.pid}`;
  const session = `chatlong-alice-${process.pid}`;

  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-L', socket, ...args], { env })).stdout;
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
  const natter = (profile: string, args: string[]) =>
    run(process.execPath, [cli, '--profile', join(dir, profile), ...args], {
      env: { ...env, NATTER_RELAY: relayAt },
      cwd: root,
      maxBuffer: 1 << 20,
    });

  async function until(ok: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen();
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`alice: ${what}; the screen was:\n${last}`);
  }

  before(async function () {
    if (!hasTmux()) {
      this.skip(); // tmux is not installed here (.ci/run installs it): nothing can drive a terminal
    }
    dir = await mkdtemp(join(tmpdir(), 'natter-chat-long-'));
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      NATTER_PRESENCE: '0',
      NATTER_RELAY_PRESENCE: '0',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_PORT: '47621',
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
  });

  after(async () => {
    if (env === undefined) return;
    await tmux('kill-session', '-t', session).catch(() => undefined);
    relay?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('collapses the message, /expand shows it, the input wraps at spaces, Tab offers no command in several lines', async () => {
    await natter('alice', ['init', '--name', 'alice']);
    await natter('bob', ['init', '--name', 'bob']);
    await natter('bob', ['send', '--to', 'alice', 'hello before']);
    await natter('bob', ['send', '--to', 'alice', LONG]);
    await natter('bob', ['send', '--to', 'alice', 'and after']);

    const args = [cli, '--profile', join(dir, 'alice'), '--relay', relayAt, 'chat']
      .map((a) => `'${a}'`)
      .join(' ');
    const command = `'${process.execPath}' ${args}; echo "natter chat exited with status $?"; sleep 60`;
    await tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '80',
      '-y',
      '24',
      command,
    );
    await until((s) => /relay connected/.test(s), 'connects');
    await keys('-l', '/msg bob');
    await keys('Enter');
    const folded = await until((s) => /bob: and after/.test(s), 'shows the conversation');
    assert.match(folded, /bob: hello before/, 'what came before is in view');
    assert.match(folded, /… \d+ more lines \(\/expand\)/);
    assert.doesNotMatch(folded, /line 013\b/);

    await keys('-l', '/expand');
    await keys('Enter');
    const expanded = await until((s) => /scrolled, PgDn/.test(s), 'scrolls to the message');
    assert.match(expanded.split('\n')[1]!, /bob: line 001\b/, `from its first line:\n${expanded}`);
    await keys('-l', '/collapse');
    await keys('Enter');
    await until((s) => /more lines \(\/expand\)[\s\S]*and after/.test(s), 'folds it again');

    // A long line in the input box: its rows end between words.
    await keys('-l', `${WORDS} ${WORDS} ${WORDS}`);
    const typed = await until((s) => (s.match(/lazy dog/g) ?? []).length >= 3, 'typed');
    const lines = typed.split('\n');
    const at = lines.findIndex((l) => l.startsWith('bob> '));
    const inputRows = lines.slice(at, at + 3).filter((l) => !l.startsWith(' alice'));
    assert.equal(inputRows.length, 2, `wrapped: ${inputRows.join('|')}`);
    inputRows[0] = inputRows[0]!.slice('bob> '.length);
    for (const word of inputRows
      .join(' ')
      .split(/\s+/)
      .filter((w) => w !== ''))
      assert.ok(
        WORDS.split(' ').includes(word),
        `'${word}' is a whole word: ${inputRows.join('|')}`,
      );

    // Several lines starting with '/': Tab completes no command.
    await keys('C-u');
    await keys('-l', '/se');
    await keys('C-j');
    await keys('-l', 'x');
    await keys('Left', 'Left', 'Tab');
    const tabbed = await until((s) => /no match/.test(s), 'says no match');
    assert.doesNotMatch(tabbed, /\/search|\/send/);
  });
});
