/**
 * A standalone relay whose LevelDB read of stored mail fails (an I/O error: a disk going
 * bad, too many open files). It ended the session with E_INTERNAL; the client
 * reconnected, the read failed again, and `natter inbox` said "no new messages" and
 * exited 0 after its idle wait, over mail waiting. Now the client is told, says the relay
 * cannot reach its mail store and exits 1; a follower keeps its session and gets the mail
 * once the reads work, once. A read failure cannot be provoked honestly on a real disk
 * under a running LevelDB (what it read is cached, tmpfs does not fail reads), so the
 * relay's LevelDB range reads of mail fail here while `failing`, as stream-delivery.test.ts
 * fails a cluster's reads: everything above the database is the real relay.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MAIL_PREFIX } from '../../../src/relay/mail-keys.js';
import type { KvRange } from '../../../src/relay/store/kv.js';
import { LevelKv } from '../../../src/relay/store/level.js';
import { jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import {
  followInbox,
  STORE_BACK,
  STORE_DOWN,
  sessionsReady,
  until,
} from '../../helpers/store-lines.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** Every LevelDB range read of stored mail fails, as an I/O error does, until `heal`. */
function failMailReads(): { heal(): void; restore(): void; tried(): number } {
  const original = LevelKv.prototype.range;
  let failing = true;
  let tried = 0;
  LevelKv.prototype.range = function (this: LevelKv, range: KvRange) {
    if (failing && (range.gt ?? range.gte ?? '').startsWith(MAIL_PREFIX)) {
      tried++;
      const err = new Error('IO error: stored mail could not be read');
      return Promise.reject(Object.assign(err, { code: 'LEVEL_IO_ERROR' }));
    }
    return original.call(this, range);
  };
  return {
    heal: () => {
      failing = false;
    },
    restore: () => {
      LevelKv.prototype.range = original;
    },
    tried: () => tried,
  };
}

describe('inbox when a standalone relay cannot read its stored mail', function () {
  this.timeout(30_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let fault: ReturnType<typeof failMailReads> | null = null;
  const { as, ok } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
    await ok('a', ['send', '--to', 'bob', 'waiting for bob']);
  });
  afterEach(async () => {
    fault?.restore();
    fault = null;
    await relay.close();
  });
  after(removeTempDirs);

  it('says the relay cannot reach its mail store and exits 1; the mail comes once reads work', async () => {
    fault = failMailReads();
    const down = await as('b', ['inbox', '--json']);
    assert.ok(fault.tried() > 0, 'the catch-up read was tried');
    assert.deepEqual(down, { code: 1, stdout: '', stderr: STORE_DOWN });
    fault.heal();
    const back = await as('b', ['inbox', '--json']);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(
      jsonLines<{ text: string }>(back).map((m) => m.text),
      ['waiting for bob'],
    );
    assert.deepEqual(await as('b', ['inbox', '--json']), {
      code: 0,
      stdout: '',
      stderr: 'natter: no new messages\n',
    });
  });

  it('has a follower keep its session, say it, and print the mail once when reads work', async () => {
    const log = join(dir, 'b', 'natter.log');
    const sessions = () => sessionsReady(log);
    const before = await sessions();
    fault = failMailReads();
    const { out, stop, done: follow } = followInbox(as, 'b');
    const f = fault;
    await until('the follower’s catch-up read', () => f.tried() > 0, 10_000);
    // Tried again a second later, on the same session.
    const first = f.tried();
    await until('the read tried again', () => f.tried() > first, 3_000);
    fault.heal();
    await until('the mail', () => out().includes('waiting for bob'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    stop('SIGINT');
    const r = await follow;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines<{ text: string }>(r).map((m) => m.text),
      ['waiting for bob'],
    );
    assert.equal(r.stderr, `${STORE_DOWN}${STORE_BACK}`);
    assert.equal((await sessions()) - before, 1, 'one session, never ended');
    assert.deepEqual(jsonLines(await as('b', ['inbox', '--json'])), []);
  });
});
