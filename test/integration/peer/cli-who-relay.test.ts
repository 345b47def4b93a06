/**
 * `natter who` and `natter who --watch` on a registered profile use the relay's
 * roster as `chat` does (issue 13, item 9): a peer online only through the relay is
 * listed, and a peer whose process is killed leaves at once, when the relay sees
 * its connection drop, not after the LAN's heartbeat expiry (~6 s). Both log in
 * quietly: the user running `who` is never shown online to others.
 * Real relay, real UDP on loopback broadcast, the crashed peer a real process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NatterClient } from '../../../src/peer/client.js';
import { profileCli } from '../../helpers/cli.js';
import type { TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { openOnBoth, presenceRelay, watchJson } from '../../helpers/who-watch.js';
import { waitFor } from '../presence/helpers.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

describe('cli: who --watch through the relay', function () {
  this.timeout(30_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let children: ChildProcess[];

  beforeEach(async () => {
    ({ relay, env } = await presenceRelay());
    dir = await makeTempDir();
    children = [];
  });

  afterEach(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await relay.close();
    await removeTempDirs();
  });

  const { as } = profileCli(() => ({ dir, env }));

  /** Profiles for `names`, registered on the relay. */
  async function initAll(names: string[]): Promise<void> {
    for (const name of names) {
      const init = await as(name, ['init', '--name', name]);
      assert.equal(init.code, 0, init.stderr);
    }
  }

  it('drops a killed peer as soon as the relay sees its connection go', async () => {
    await initAll(['alice', 'carol']);
    const carol = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--profile', join(dir, 'carol'), 'inbox', '--follow'],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(carol);

    const { lines, stop, done: watching } = watchJson(as, 'alice');
    await waitFor(
      () => lines.some((l) => l.pseudonym === 'carol' && l.type === 'join'),
      15_000,
      'carol to join',
    );
    // Past a heartbeat interval (2 s): the LAN has heard her too, and alone would keep
    // her listed until her heartbeats expire (about 6 s).
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    carol.kill('SIGKILL');
    const elapsed = await waitFor(
      () => lines.some((l) => l.pseudonym === 'carol' && l.type === 'leave'),
      1_500,
      'carol to leave',
    );
    assert.ok(elapsed < 1_500);
    assert.equal(lines.find((l) => l.type === 'leave')?.reason, 'relay-gone');

    stop();
    const r = await watching;
    assert.equal(r.code, 0, r.stderr);
  });

  it('lists a peer the relay knows, and does not show its own user online to anyone', async () => {
    await initAll(['alice', 'carol']);
    // carol is online through the relay only (no LAN presence), as on another subnet.
    const carol = await NatterClient.open({
      profileDir: join(dir, 'carol'),
      relay: { host: relay.host, port: relay.port },
      presence: false,
    });
    try {
      const seen: string[] = [];
      carol.on('roster:change', (e) => seen.push(`${e.peer.pseudonym} ${e.type}`));
      await carol.connect();
      const r = await as('alice', ['who', '--json', '--wait', '300']);
      assert.equal(r.code, 0, r.stderr);
      const listed = (JSON.parse(r.stdout) as { pseudonym: string; source: string }[])[0];
      assert.deepEqual([listed?.pseudonym, listed?.source], ['carol', 'relay'], r.stdout);
      const watch = await as('alice', ['who', '--watch'], {
        stop: new Promise<string>((resolve) => setTimeout(() => resolve('SIGINT'), 1_000)),
      });
      assert.equal(watch.code, 0, watch.stderr);
      assert.match(watch.stdout, /^\S+ {2}\+ carol/m, 'carol joined the watch');
      assert.doesNotMatch(watch.stdout, /^\S+ {2}- /m, 'stopping the watch makes nobody leave');
      assert.deepEqual(
        seen.filter((s) => s.startsWith('alice')),
        [],
        'neither who nor who --watch made alice appear online',
      );
    } finally {
      await carol.close();
    }
  });

  it('hears the LAN beside the relay: a peer on both is listed as both, and on the LAN alone with the relay down', async () => {
    await initAll(['alice', 'carol']);
    const carol = await openOnBoth(join(dir, 'carol'), relay, env);
    try {
      await carol.connect();
      const both = await as('alice', ['who', '--json', '--wait', '500']);
      assert.equal(both.code, 0, both.stderr);
      const listed = JSON.parse(both.stdout) as { pseudonym: string; source: string }[];
      assert.deepEqual(
        listed.map((p) => [p.pseudonym, p.source]),
        [['carol', 'both']],
        both.stdout,
      );
      await relay.close();
      const lan = await as('alice', ['who', '--json', '--wait', '500']);
      assert.equal(lan.code, 0, lan.stderr);
      const heard = JSON.parse(lan.stdout) as { pseudonym: string; source: string }[];
      assert.deepEqual(
        heard.map((p) => [p.pseudonym, p.source]),
        [['carol', 'lan']],
        lan.stderr,
      );
    } finally {
      await carol.close();
    }
  });

  it('keeps watching on its own when the running client it watched through quits', async () => {
    await initAll(['alice', 'carol']);
    const carol = await openOnBoth(join(dir, 'carol'), relay, env);
    try {
      await carol.connect();
      // alice's running client (as a chat): `who --watch` goes through its control socket.
      let quit: (s: string) => void = () => undefined;
      const running = as('alice', ['inbox', '--follow'], {
        stop: new Promise<string>((resolve) => {
          quit = resolve;
        }),
      });
      await waitFor(() => existsSync(join(dir, 'alice', 'control.sock')), 5_000, 'the socket');
      const { lines, stop, done: watching } = watchJson(as, 'alice');
      await waitFor(
        () => lines.some((l) => l.pseudonym === 'carol' && l.source === 'both'),
        10_000,
        'carol on the LAN and at the relay',
      );
      const before = lines.map((l) => `${l.type} ${l.pseudonym} ${l.source}`);

      // The chat quits: the watch goes on on its own, and says nothing of carol, still there.
      quit('SIGINT');
      assert.equal((await running).code, 0);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.deepEqual(
        lines.map((l) => `${l.type} ${l.pseudonym} ${l.source}`),
        before,
        'the handover printed no line: carol neither left nor joined again',
      );
      await carol.logout();
      await waitFor(
        () => lines.some((l) => l.pseudonym === 'carol' && l.type === 'leave'),
        5_000,
        'carol to leave, seen by the watch on its own',
      );
      stop();
      const r = await watching;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /the running client stopped; watching on our own/);
      assert.deepEqual(
        lines.filter((l) => l.type !== 'update').map((l) => `${l.type} ${l.pseudonym}`),
        ['join carol', 'leave carol'],
      );
      assert.match(lines.at(-1)?.reason ?? '', /^(bye|relay-gone)$/);
    } finally {
      await carol.close();
    }
  });

  it('says why a sealed key with no passphrase hears the LAN only, and what it does: a list lists, a watch watches', async () => {
    const secret = 'correct horse battery staple';
    const init = await as('dora', ['init', '--name', 'dora', '--seal'], {
      stdinTTY: true,
      stdin: `${secret}\n${secret}\n`,
    });
    assert.equal(init.code, 0, init.stderr);
    const once = await as('dora', ['who']);
    assert.equal(once.code, 0, once.stderr);
    assert.match(
      once.stderr,
      /your key is sealed and no passphrase was given.*: listing who answers on the LAN only \(/,
    );
    assert.doesNotMatch(once.stderr, /watching/);
    const w = watchJson(as, 'dora');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    w.stop();
    const watched = await w.done;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(
      watched.stderr,
      /your key is sealed and no passphrase was given.*: watching the LAN only \(/,
    );
  });
});
