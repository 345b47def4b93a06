/**
 * `natter who --lan` against forged beacons on loopback broadcast (docs/decisions.md,
 * "Presence: lookalike and impostor beacons"): a profile's contact is pinned to their key
 * in the listener too, so another key under the contact's name, or under a name that
 * looks like it, is never listed as the contact: it is left out and said once on stderr,
 * in the chat's words. A name the relay would refuse (mixed scripts) is dropped. `who`
 * answered through a running client (the chat's control socket) says the same, and says an
 * impostor from the relay's roster for as long as the relay lists it.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { join } from 'node:path';
import {
  type ControlServer,
  controlSocketPath,
  startControlServer,
} from '../../../src/cli/control.js';
import { fingerprint } from '../../../src/crypto/keys.js';
import { NatterClient } from '../../../src/peer/client.js';
import {
  HEARTBEAT_INTERVAL_MS,
  MISSED_HEARTBEATS_BEFORE_EXPIRY,
} from '../../../src/presence/constants.js';
import { type Clock, systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { profileCli } from '../../helpers/cli.js';
import { until } from '../../helpers/cli-relay.js';
import { makeClient } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { datagramOf, makePeer, presence, type TestPeer } from '../../unit/presence/fixtures.js';
import { freeUdpPort } from '../presence/helpers.js';

interface WhoLine {
  pseudonym: string;
  fingerprint: string;
}

describe('cli who --lan: impostor and look-alike beacons', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  let bob: NatterClient;

  beforeEach(async () => {
    port = await freeUdpPort();
    const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    relay = await startTestRelay({ presence: lan });
    dir = await makeTempDir();
    env = {
      NATTER_RELAY: `${relay.host}:${relay.port}`,
      NATTER_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    bob = await makeClient('bob', relay, { presence: lan });
    await bob.connect();
  });

  afterEach(async () => {
    await bob.close();
    await relay.close();
    await removeTempDirs();
  });

  const { as, ok } = profileCli(() => ({ dir, env }));

  /** The notes `who` wrote on stderr about impostors, sorted. */
  const impostorNotes = (stderr: string) =>
    stderr
      .split('\n')
      .filter((l) => l.includes('claims to be') || l.includes('the relay lists someone else'))
      .sort();

  /** alice's `who --watch --json` for half a second, stopped with SIGINT: its lines. */
  async function watchBriefly(): Promise<
    { type: string; pseudonym: string; claimedFingerprint?: string; via?: string }[]
  > {
    let stopWatch: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stopWatch = resolve;
    });
    const watching = as('alice', ['who', '--watch', '--json'], { stop: stopped });
    await new Promise((r) => setTimeout(r, 500));
    stopWatch('SIGINT');
    const watched = await watching;
    assert.equal(watched.code, 0, watched.stderr);
    return watched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }

  /** Signed heartbeats from `peers`, to loopback broadcast on the test's port, until stopped. */
  async function forge(peers: TestPeer[]): Promise<() => Promise<void>> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    socket.setBroadcast(true);
    let seq = 0;
    const send = () => {
      seq++;
      for (const p of peers) {
        const bytes = datagramOf(p, presence(p, seq, { at: Date.now() }));
        socket.send(bytes, port, '127.255.255.255');
      }
    };
    send();
    const timer = setInterval(send, 200);
    return async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    };
  }

  it('never lists an impostor or a look-alike as the contact, and says each once', async () => {
    await ok('alice', ['init', '--name', 'alice']);
    // bob becomes alice's contact (looked up and pinned), then leaves the LAN.
    await ok('alice', ['fingerprint', 'bob']);
    await bob.close();

    const impostor = makePeer('bob');
    const lookalike = makePeer('b\u043eb'); // a Cyrillic 'о': mixed scripts
    const stranger = makePeer('m\u0430llory'); // mixed scripts, no contact of that name
    const honest = makePeer('carol');
    const stop = await forge([impostor, lookalike, stranger, honest]);
    let who: Awaited<ReturnType<typeof ok>>;
    try {
      who = await ok('alice', ['who', '--lan', '--json', '--wait', '1500']);
    } finally {
      await stop();
    }
    const listed = JSON.parse(who.stdout) as WhoLine[];
    assert.deepEqual(
      listed.map((p) => [p.pseudonym, p.fingerprint]),
      [['carol', fingerprint(honest.identity.signPk)]],
    );
    assert.deepEqual(impostorNotes(who.stderr), [
      `natter: someone on the LAN claims to be bob with another key (${fingerprint(impostor.identity.signPk)}); not shown`,
      `natter: someone on the LAN claims to be b\u043eb with another key (${fingerprint(lookalike.identity.signPk)}); not shown`,
    ]);
    assert.doesNotMatch(who.stderr, /mallory|m\u0430llory/);
  });
  it('says the same through a running client: impostors left out and said once, --json and not', async () => {
    await ok('alice', ['init', '--name', 'alice']);
    await ok('alice', ['fingerprint', 'bob']);
    await bob.close();

    const impostor = makePeer('bob');
    const lookalike = makePeer('b\u043eb');
    const honest = makePeer('carol');
    const stop = await forge([impostor, lookalike, honest]);
    let running: { client: NatterClient; control: ControlServer } | null = null;
    try {
      const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
      const profileDir = join(dir, 'alice');
      const client = await NatterClient.open({ profileDir, presence: lan });
      const control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
      running = { client, control };
      await client.connect();
      await until(() => client.online().some((p) => p.pseudonym === 'carol'), 'carol listed');
      // Both impostors heard by the running client before `who` asks it.
      await new Promise((r) => setTimeout(r, 600));

      const alone = await ok('alice', ['who', '--lan', '--json', '--wait', '1500']);
      const through = await ok('alice', ['who', '--json']);
      const expected = [
        `natter: someone on the LAN claims to be bob with another key (${fingerprint(impostor.identity.signPk)}); not shown`,
        `natter: someone on the LAN claims to be b\u043eb with another key (${fingerprint(lookalike.identity.signPk)}); not shown`,
      ];
      assert.deepEqual(impostorNotes(alone.stderr), expected);
      assert.deepEqual(impostorNotes(through.stderr), expected);
      const names = (out: string) => (JSON.parse(out) as WhoLine[]).map((p) => p.pseudonym);
      assert.deepEqual(names(through.stdout), ['carol']);
      assert.deepEqual(names(through.stdout), names(alone.stdout));

      const text = await ok('alice', ['who']);
      assert.deepEqual(impostorNotes(text.stderr), expected);
      assert.match(text.stdout, /^carol /m);
      assert.doesNotMatch(text.stdout, /bob|b\u043eb/);

      // A watch attached after both were heard says them too (it said only later ones).
      const lines = await watchBriefly();
      assert.deepEqual(
        lines
          .filter((l) => l.type === 'conflict')
          .map((l) => [l.pseudonym, l.claimedFingerprint])
          .sort(),
        [
          ['bob', fingerprint(impostor.identity.signPk)],
          ['b\u043eb', fingerprint(lookalike.identity.signPk)],
        ].sort(),
      );
      assert.deepEqual(
        lines.filter((l) => l.type !== 'conflict').map((l) => l.pseudonym),
        ['carol'],
      );
    } finally {
      await stop();
      await running?.control.close();
      await running?.client.close();
    }
  });

  it("says an impostor from the relay's roster through a running client while the relay lists it, then no more", async () => {
    await ok('alice', ['init', '--name', 'alice']);
    await ok('alice', ['fingerprint', 'bob']); // bob pinned, at the first relay
    // Another relay, where 'bob' is someone else: alice's client moves there.
    const other = await startTestRelay();
    const impostor = await makeClient('bob', other);
    let running: { client: NatterClient; control: ControlServer } | null = null;
    // The running client's clock, moved on past a heartbeat budget instead of waiting it out.
    let ahead = 0;
    const clock: Clock = { ...systemClock, now: () => systemClock.now() + ahead };
    try {
      await impostor.connect();
      const profileDir = join(dir, 'alice');
      const client = await NatterClient.open({
        profileDir,
        relay: { host: other.host, port: other.port },
        acceptNewRelayKey: true,
        clock,
      });
      const control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
      running = { client, control };
      await client.connect();
      await until(() => client.impostors().length === 1, 'the relay impostor heard');

      const expected = [
        `natter: the relay lists someone else as bob, with another key (${fingerprint(impostor.profile.identity.signPk)}); not shown`,
      ];
      const names = (out: string) => (JSON.parse(out) as WhoLine[]).map((p) => p.pseudonym);
      const first = await ok('alice', ['who', '--json']);
      assert.deepEqual(impostorNotes(first.stderr), expected);
      assert.deepEqual(names(first.stdout), []);

      // Past the budget a LAN claim lasts: the relay repeats nothing, and still lists bob.
      ahead += HEARTBEAT_INTERVAL_MS * MISSED_HEARTBEATS_BEFORE_EXPIRY + 1000;
      const later = await ok('alice', ['who', '--json']);
      assert.deepEqual(impostorNotes(later.stderr), expected, 'still said past the budget');
      assert.deepEqual(names(later.stdout), []);
      const lines = await watchBriefly();
      assert.deepEqual(
        lines
          .filter((l) => l.type === 'conflict')
          .map((l) => [l.pseudonym, l.claimedFingerprint, l.via]),
        [['bob', fingerprint(impostor.profile.identity.signPk), 'relay']],
      );

      // The relay says the impostor left: no longer said.
      await impostor.close();
      await until(() => client.impostors().length === 0, 'the relay impostor gone');
      const gone = await ok('alice', ['who', '--json']);
      assert.deepEqual(impostorNotes(gone.stderr), []);
    } finally {
      await running?.control.close();
      await running?.client.close();
      await impostor.close();
      await other.close();
    }
  });
});
