/**
 * What `natter send` queues, and what stays queued (issue 13 item 2): all input is
 * checked before any is queued, a bad line is named, and whatever stays queued is
 * said each time, with `natter outbox` to see it and `natter outbox cancel` to drop it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { type CliRun, jsonLines, profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface Queued {
  msgId: string;
  to?: string;
  state: string;
  text: string;
}

const codeOf = (r: CliRun) => /\((E_[A-Z_]+)\)\n$/.exec(r.stderr)?.[1];

describe('cli: send checks everything first; natter outbox shows and cancels what stays queued', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));
  const inboxTexts = async (who: string) =>
    jsonLines<{ text: string }>(await ok(who, ['inbox', '--json'])).map((m) => m.text);

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('--each-line with a line over 64 KiB names the line and queues none of them', async () => {
    const big = 'x'.repeat(64 * 1024 + 1);
    const r = await as('a', ['send', '--to', 'bob', '--each-line'], {
      stdin: `one\n\ntwo\n${big}\nthree\n`,
    });
    assert.equal(r.code, 1);
    assert.equal(codeOf(r), 'E_TOO_LARGE');
    assert.match(r.stderr, /line 4 of stdin over the 65536-byte limit.*nothing was queued/);
    const outbox = await ok('a', ['outbox', '--json']);
    assert.equal(outbox.stdout, '');
    assert.equal(outbox.stderr, 'natter: the outbox is empty\n');
    await ok('a', ['inbox']);
    assert.deepEqual(await inboxTexts('b'), [], 'nothing went out later either');
    // An exact 64 KiB line is fine.
    await ok('a', ['send', '--to', 'bob', '--each-line'], { stdin: `${'y'.repeat(64 * 1024)}\n` });
    assert.equal((await inboxTexts('b'))[0]?.length, 64 * 1024);
  });

  it('a bad recipient name is bad usage (exit 2), before anything is queued', async () => {
    const r = await as('a', ['send', '--to', 'bad name', 'hi']);
    assert.equal(r.code, 2);
    assert.equal(codeOf(r), 'E_USAGE');
    assert.equal((await ok('a', ['outbox', '--json'])).stdout, '');
  });

  it('says what stays queued while the relay is down, lists it, and cancels it for good', async () => {
    await ok('a', ['send', '--to', 'bob', 'warm-up']);
    await relay.close();
    const down = await as('a', ['send', '--to', 'bob', 'keep me']);
    assert.equal(codeOf(down), 'E_RELAY_UNREACHABLE');
    await as('a', ['send', '--to', 'bob', 'drop me']);
    assert.match(
      down.stderr,
      /1 message\(s\) stay queued.*natter outbox lists them, natter outbox cancel ID\|--all drops them/,
    );

    const [keep, drop, ...more] = jsonLines<Queued>(await ok('a', ['outbox', '--json']));
    assert.deepEqual(more, []);
    assert.deepEqual([keep?.text, keep?.to, keep?.state], ['keep me', 'bob', 'queued']);
    const listed = await ok('a', ['outbox']);
    assert.match(
      listed.stdout,
      new RegExp(
        `^${drop?.msgId.slice(0, 8)} {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}→ bob {2}queued {2}drop me$`,
        'm',
      ),
    );

    const inbox = await as('a', ['inbox']);
    assert.match(
      inbox.stderr,
      /natter: 2 earlier message\(s\) still queued; natter outbox lists them/,
    );

    const cancelled = await ok('a', ['outbox', 'cancel', drop?.msgId.slice(0, 6) ?? '']);
    assert.equal(cancelled.stdout, `cancelled 1 message(s): ${drop?.msgId.slice(0, 8)}\n`);
    assert.equal((await as('a', ['outbox', 'cancel', drop?.msgId ?? ''])).code, 1, 'gone');
    const history = jsonLines<{ text: string; state: string; reason?: string }>(
      await ok('a', ['history', 'bob', '--json']),
    );
    assert.deepEqual(history.at(-1), {
      ...history.at(-1),
      text: 'drop me',
      state: 'failed',
      reason: 'cancelled',
    });

    relay = await startTestRelay({ dataDir: relay.dataDir, port: relay.port });
    const flushed = await ok('a', ['inbox']);
    assert.match(flushed.stderr, /^natter: sent 1 queued message\(s\)$/m);
    assert.deepEqual(await inboxTexts('b'), ['warm-up', 'keep me']);
  });

  it('outbox cancel --all drops every queued message; with neither ID nor --all it is bad usage', async () => {
    await relay.close();
    await as('a', ['send', '--to', 'bob', '--each-line', '--wait', '200'], { stdin: 'a\nb\nc\n' });
    assert.equal(jsonLines<Queued>(await ok('a', ['outbox', '--json'])).length, 3);
    assert.equal((await as('a', ['outbox', 'cancel'])).code, 2);
    assert.match(
      (await ok('a', ['outbox', 'cancel', '--all'])).stdout,
      /^cancelled 3 message\(s\): /,
    );
    assert.equal((await ok('a', ['outbox'])).stderr, 'natter: the outbox is empty\n');
  });

  it('Ctrl-C on a send that hangs exits 130 and says what stays queued', async () => {
    // Accepts TCP and never speaks TLS: the send waits, as on a relay that hangs.
    const sockets: Socket[] = [];
    const hang: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const { port } = hang.address() as { port: number };
    try {
      const stop = new Promise<string>((resolve) => setTimeout(() => resolve('SIGINT'), 500));
      const r = await as('a', ['--relay', `127.0.0.1:${port}`, 'send', '--to', 'bob', 'stuck'], {
        stop,
      });
      assert.equal(r.code, 130, r.stderr);
      assert.match(
        r.stderr,
        /send: interrupted; 1 of 1 message\(s\) stay queued .*natter outbox lists them.*\(E_INTERRUPTED\)\n$/,
      );
      assert.deepEqual(
        jsonLines<Queued>(await ok('a', ['outbox', '--json'])).map((m) => m.text),
        ['stuck'],
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hang.close(resolve));
    }
  });
});
