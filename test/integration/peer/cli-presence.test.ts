/**
 * The presence commands against a real relay and real UDP on loopback
 * broadcast: a spawned `natter inbox --follow` announces itself and serves its
 * control socket; `natter who` and `natter status` talk to the LAN and to it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NatterClient } from '../../../src/peer/client.js';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { profileCli } from '../../helpers/cli.js';
import { makeClient } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort, waitFor } from '../presence/helpers.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

interface WhoLine {
  pseudonym: string;
  status: string;
  statusText: string;
  fingerprint: string;
  source: string;
  address: string | null;
  t?: number;
  type?: string;
  reason?: string;
}

describe('cli presence: who, status and an announced follower', function () {
  this.timeout(20_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let bob: NatterClient;
  let children: ChildProcess[];

  beforeEach(async () => {
    const port = await freeUdpPort();
    const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    relay = await startTestRelay({ presence: lan });
    dir = await makeTempDir();
    // No NATTER_RELAY: the CLI finds the relay by its beacon.
    env = {
      NATTER_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    bob = await makeClient('bob', relay, { presence: lan });
    await bob.connect();
    children = [];
  });

  afterEach(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await bob.close();
    await relay.close();
    await removeTempDirs();
  });

  const { as } = profileCli(() => ({ dir, env }));

  /** `natter inbox --follow` in its own process, as a user runs it. */
  function follow(who: string, extra: string[] = []): ChildProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--profile', join(dir, who), 'inbox', '--follow', ...extra],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    return child;
  }

  const find = (name: string) => bob.online().find((p) => p.pseudonym === name);
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });

  it('announces a follower found the relay itself; who lists it, status changes it, SIGTERM says BYE', async () => {
    const init = await as('alice', ['init', '--name', 'alice']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /registered on relay 127\.0\.0\.1:\d+/);
    const alice = follow('alice', ['--status', 'away', '--status-text', 'lunch']);
    await waitFor(
      () => find('alice')?.source === 'both',
      10_000,
      'alice to appear on both sources',
    );
    assert.equal(find('alice')?.status, 'away');
    assert.equal(find('alice')?.statusText, 'lunch');

    // A listener: bob and alice, from the LAN; the listener itself is never listed.
    const who = await as('nobody', ['who', '--json', '--wait', '300']);
    assert.equal(who.code, 0, who.stderr);
    const listed = JSON.parse(who.stdout) as WhoLine[];
    assert.deepEqual(
      listed.map((p) => [p.pseudonym, p.status, p.statusText, p.source, p.address]),
      [
        ['alice', 'away', 'lunch', 'lan', '127.0.0.1'],
        ['bob', 'online', '', 'lan', '127.0.0.1'],
      ],
    );
    assert.equal(listed[1]?.fingerprint, bob.me.fingerprint);
    assert.deepEqual(
      bob.online().map((p) => p.pseudonym),
      ['alice'],
    );

    // With alice's profile, who asks her running client: LAN and relay merged.
    const merged = await as('alice', ['who', '--json']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(
      (JSON.parse(merged.stdout) as WhoLine[]).map((p) => [p.pseudonym, p.source]),
      [['bob', 'both']],
    );
    // --lan listens itself, and leaves this profile out as `who` does (a trial listed alice).
    const lan = await as('alice', ['who', '--lan', '--json', '--wait', '300']);
    assert.equal(lan.code, 0, lan.stderr);
    assert.deepEqual(
      (JSON.parse(lan.stdout) as WhoLine[]).map((p) => [p.pseudonym, p.source]),
      [['bob', 'lan']],
    );
    // And so does --watch --lan: bob joins, alice (this profile, announcing) never does.
    let stop: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const watching = as('alice', ['who', '--watch', '--lan', '--json'], { stop: stopped });
    // Started (tsx), the LAN heard (WHO_WAIT_MS) and settled, with room to spare.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    stop('SIGINT');
    const watched = await watching;
    assert.equal(watched.code, 0, watched.stderr);
    assert.deepEqual(
      watched.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as WhoLine).pseudonym),
      ['bob'],
    );

    const socket = await stat(join(dir, 'alice', 'control.sock'));
    assert.ok(socket.isSocket());
    assert.equal(socket.mode & 0o777, 0o600, 'only the profile owner may steer the client');

    const status = await as('alice', ['status', 'busy', 'in', 'a', 'meeting']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout, 'status: busy "in a meeting"\n');
    await waitFor(() => find('alice')?.status === 'busy', 1000, 'the new status');
    assert.equal(find('alice')?.statusText, 'in a meeting');

    const leaves: PeerEventMap['roster:change'][] = [];
    bob.on('roster:change', (e) => {
      if (e.type === 'leave') leaves.push(e);
    });
    alice.kill('SIGTERM');
    const elapsed = await waitFor(() => find('alice') === undefined, 2000, 'alice to leave');
    assert.equal(await exited(alice), 0);
    await assert.rejects(
      stat(join(dir, 'alice', 'control.sock')),
      'the socket goes with the client',
    );
    assert.ok(elapsed < 2000);
    // BYE drops the LAN source, the relay's report the rest: whichever comes last says so.
    assert.equal(leaves.length, 1);
    assert.match(leaves[0]?.reason ?? '', /^(bye|relay-gone)$/);

    // The status she chose outlasts the client: the next follower, given no --status,
    // announces it again (on the LAN and through the relay).
    const again = follow('alice', []);
    await waitFor(() => find('alice')?.source === 'both', 10_000, 'alice back on both sources');
    assert.equal(find('alice')?.status, 'busy');
    assert.equal(find('alice')?.statusText, 'in a meeting');
    again.kill('SIGTERM');
    assert.equal(await exited(again), 0);
  });

  it('prints one JSON line per change with a millisecond timestamp, until stopped', async () => {
    let stop: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const watching = as('watcher', ['who', '--watch', '--json'], { stop: stopped });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const carol = await makeClient('carol', relay, {
      presence: {
        port: Number(env.NATTER_PRESENCE_PORT),
        extraTargets: ['127.255.255.255'],
        broadcastInterfaces: false,
      },
    });
    await carol.connect();
    await carol.setStatus('away');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await carol.logout();
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop('SIGINT');
    const r = await watching;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WhoLine);
    assert.deepEqual(
      lines.map((l) => [l.type, l.pseudonym, l.status]),
      [
        ['join', 'bob', 'online'],
        ['join', 'carol', 'online'],
        ['update', 'carol', 'away'],
        ['leave', 'carol', 'away'],
      ],
    );
    assert.equal(lines[3]?.reason, 'bye');
    for (const l of lines) assert.ok(Math.abs((l.t ?? 0) - Date.now()) < 10_000);
  });

  it('says no client is running when natter status has nobody to talk to', async () => {
    const r = await as('idle', ['status', 'away']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no natter client is running .*\(E_NOT_RUNNING\)\n$/);
    const bad = await as('idle', ['status', 'sleeping']);
    assert.equal(bad.code, 2);
    const text = await as('idle', ['status', 'busy', 'bell\u0007']);
    assert.equal(text.code, 2, 'a bad text is bad usage, said before anything is asked');
    assert.match(text.stderr, /one line of at most 80 characters/);
  });
});
