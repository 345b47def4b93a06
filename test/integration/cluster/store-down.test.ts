/**
 * `natter inbox` against a cluster relay whose NATS server is stopped (operator trial:
 * it said "no new messages" and exited 0 over mail waiting in JetStream). It says the
 * relay cannot reach its mail store, with the code, and exits 1; a follower says so and
 * keeps waiting, says when the store is back, and then gets the mail, once. The store
 * may go down in the middle of a session too: a follower logged in before says it, and
 * `natter inbox` beside it (through its control socket) says what it says alone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { jsonLines, profileCli } from '../../helpers/cli.js';
import { type NatsNode, natsServerPath, startNats } from '../../helpers/nats.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import {
  followInbox,
  STORE_BACK,
  STORE_DOWN,
  sessionsReady,
  until,
} from '../../helpers/store-lines.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

(natsServerPath ? describe : describe.skip)('inbox with the cluster’s store down', function () {
  this.timeout(40_000);
  let nats: NatsNode;
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    nats = await startNats();
    relay = await startTestRelay({ cluster: { servers: [nats.url] } });
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
    await ok('a', ['send', '--to', 'bob', 'waiting for bob']);
  });
  afterEach(async () => {
    await relay.close();
    await nats.stop();
  });
  after(removeTempDirs);

  it('refuses a new user at once: init says it is not registered yet and why, pins no relay, and inbox says the code', async () => {
    await nats.stop();
    const startedAt = Date.now();
    // Refused: init fails (exit 1, stderr), the profile kept for the next command (QA trial).
    const init = await as('e', ['init', '--name', 'erin']);
    assert.equal(init.code, 1, init.stderr);
    assert.match(
      init.stderr,
      /^natter: not registered yet: relay 127\.0\.0\.1:\d+ answered, but it cannot reach its store; try again when it is back .*\(E_STORE_UNAVAILABLE\)\n$/,
    );
    assert.equal((await readConfig(profilePaths(join(dir, 'e')))).relayId, undefined);
    const inbox = await as('e', ['inbox']);
    assert.equal(inbox.code, 1);
    assert.match(inbox.stderr, /not registered yet: the relay cannot reach its store/);
    assert.match(inbox.stderr, /\(E_STORE_UNAVAILABLE\)\n$/);
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < 10_000, `init and inbox took ${tookMs} ms (--wait is 30 s)`);
  });

  it('says the relay cannot reach its mail store and exits 1, then delivers the mail once it is back', async () => {
    await nats.stop();
    const down = await as('b', ['inbox', '--json']);
    assert.deepEqual(down, { code: 1, stdout: '', stderr: STORE_DOWN });
    await nats.restart();
    // The relay's NATS connection comes back within its reconnect wait.
    let got: { text: string }[] = [];
    await until('the mail', async () => {
      const r = await as('b', ['inbox', '--json']);
      got = [...got, ...jsonLines<{ text: string }>(r)];
      return got.length > 0;
    });
    assert.deepEqual(
      got.map((m) => m.text),
      ['waiting for bob'],
    );
    assert.deepEqual(await as('b', ['inbox', '--json']), {
      code: 0,
      stdout: '',
      stderr: 'natter: no new messages\n',
    });
  });

  it('has a follower say it, keep waiting, say when the store is back, and print the mail once', async () => {
    const log = join(dir, 'b', 'natter.log');
    const sessions = () => sessionsReady(log);
    const before = await sessions();
    await nats.stop();
    const { out, stop, done: follow } = followInbox(as, 'b');
    await until('the follower’s session', async () => (await sessions()) > before);
    await nats.restart();
    await until('the mail', () => out().includes('waiting for bob'));
    // A moment for a second copy, were one to come.
    await new Promise((r) => setTimeout(r, 500));
    stop('SIGINT');
    const r = await follow;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines<{ text: string }>(r).map((m) => m.text),
      ['waiting for bob'],
    );
    assert.equal(r.stderr, `${STORE_DOWN}${STORE_BACK}`);
    assert.deepEqual(jsonLines(await as('b', ['inbox', '--json'])), []);
  });

  it('has a session the store left say so, an inbox beside it exit 1, and the mail sent meanwhile arrive once', async () => {
    const { out, stop, done: follow } = followInbox(as, 'b');
    // Logged in with the store up: the mail waiting is printed.
    await until('the waiting mail', () => out().includes('waiting for bob'));
    await nats.stop();
    // `natter inbox` beside the follower reads through its control socket.
    let beside = await as('b', ['inbox', '--json']);
    await until('the inbox beside the follower told', async () => {
      if (beside.code !== 0) return true;
      beside = await as('b', ['inbox', '--json']);
      return false;
    });
    assert.deepEqual(beside, { code: 1, stdout: '', stderr: STORE_DOWN });
    // Sent while the store is down: the relay cannot store it, and alice's client keeps it.
    const sent = as('a', ['send', '--to', 'bob', '--wait', '20000', 'sent while down']);
    await new Promise((r) => setTimeout(r, 300));
    await nats.restart();
    const s = await sent;
    assert.equal(s.code, 0, s.stderr);
    await until('the mail sent meanwhile', () => out().includes('sent while down'));
    // A moment for a second copy, were one to come.
    await new Promise((r) => setTimeout(r, 500));
    stop('SIGINT');
    const r = await follow;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines<{ text: string }>(r).map((m) => m.text),
      ['waiting for bob', 'sent while down'],
    );
    assert.equal(r.stderr, `${STORE_DOWN}${STORE_BACK}`);
    assert.deepEqual(await as('b', ['inbox', '--json']), {
      code: 0,
      stdout: '',
      stderr: 'natter: no new messages\n',
    });
  });
});
