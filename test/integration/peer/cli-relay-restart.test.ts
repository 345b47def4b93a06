/**
 * A waiting command follows its relay restarted on a new port (restart trial): `natter
 * send-file` started while the relay was down, the relay back from its data dir (so its
 * key) on another port, announcing itself. The command, which announces nothing, had no
 * UDP socket once discovery ended, and a configured address never followed a beacon, so
 * it dialled the old port until its --wait ran out. Now it reaches the relay there within
 * a few beacon intervals, whether the address came from a beacon, the config or --relay
 * (which is said on stderr), and remembers it only where the relay says it was reached.
 * Real relays and real UDP on loopback; the CLI in-process.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { toHex } from '../../../src/util/bytes.js';
import { type CliRun, profileCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { sleep } from '../presence/helpers.js';
import { loopbackLan } from './lan-relays.js';

/** The command's --wait: without a follow it fails after this (the old port refuses). */
const WAIT_MS = 20_000;

describe('a waiting command follows its relay restarted on a new port (integration: loopback)', function () {
  this.timeout(90_000);
  const { lan, relay } = loopbackLan();
  let dir = '';
  const cli = profileCli(() => ({
    dir,
    env: {
      NATTER_PRESENCE: '1',
      NATTER_RELAY_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(lan().port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    },
  }));

  beforeEach(async () => {
    dir = await makeTempDir();
  });

  /**
   * alice and bob registered on a relay (`initArgs` before `init`), then the relay stopped;
   * alice's `command` starts (OLD: the relay's old address, FILE: a file to send), and the
   * relay comes back on a new port. The command waits up to WAIT_MS.
   */
  async function acrossRestart(
    initArgs: (port: number) => string[],
    command = ['send-file', '--to', 'bob', 'FILE'],
  ) {
    const office = await relay();
    for (const name of ['alice', 'bob'])
      await cli.ok(name, [...initArgs(office.port), 'init', '--name', name]);
    await office.close();
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'the minutes\n');
    const argv = command.map((a) =>
      a === 'FILE' ? file : a === 'OLD' ? `127.0.0.1:${office.port}` : a,
    );
    const waiting: Promise<CliRun> = cli.as('alice', [...argv, '--wait', String(WAIT_MS)]);
    await sleep(1500);
    const moved = await relay(office.dataDir);
    assert.notEqual(moved.port, office.port);
    assert.equal(toHex(moved.relay.relayId), toHex(office.relay.relayId));
    const run = await waiting;
    assert.equal(run.code, 0, run.stderr);
    return { office, moved, run, paths: profilePaths(join(dir, 'alice')) };
  }

  it('reaches a relay found by its beacon at its new port, and remembers it there', async () => {
    const { moved, paths } = await acrossRestart(() => []);
    assert.equal((await readConfig(paths)).relaySeen, `127.0.0.1:${moved.port}`);
  });

  it('reaches a configured relay (the config file) at its new port by its beacon, and saves that address', async () => {
    const { office, moved, run, paths } = await acrossRestart((port) => [
      '--relay',
      `127.0.0.1:${port}`,
    ]);
    assert.equal((await readConfig(paths)).relay, `127.0.0.1:${moved.port}`);
    assert.doesNotMatch(run.stderr, /relay moved/, `the config's ${office.port} is not the user's`);
  });

  it('reaches the relay given with --relay at its new port, and says on stderr that it moved', async () => {
    const { office, moved, run } = await acrossRestart(
      (port) => ['--relay', `127.0.0.1:${port}`],
      ['--relay', 'OLD', 'send-file', '--to', 'bob', 'FILE'],
    );
    assert.match(
      run.stderr,
      new RegExp(
        `the relay moved: 127\\.0\\.0\\.1:${office.port} \\(given with --relay\\) did not answer;.* at 127\\.0\\.0\\.1:${moved.port} and proved its id there`,
      ),
    );
  });

  it('follows it in send --wait (a configured relay) and inbox --wait (one found by its beacon) too', async () => {
    const sent = await acrossRestart(
      (port) => ['--relay', `127.0.0.1:${port}`],
      ['send', '--to', 'bob', 'hello'],
    );
    assert.equal((await readConfig(sent.paths)).relay, `127.0.0.1:${sent.moved.port}`);
    await sent.moved.close();
    dir = await makeTempDir();
    const read = await acrossRestart(() => [], ['inbox']);
    assert.equal((await readConfig(read.paths)).relaySeen, `127.0.0.1:${read.moved.port}`);
  });
});
