/**
 * A wrong relay address, and a relay that cannot start (issue 13 items 4 and 10):
 * one coded line with the cause, within about a second, and the same code from
 * every command. Loopback only: a refused port is one we bound and closed.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { refusedPort } from '../../helpers/ports.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** The code of the last line of stderr: `natter: ... (E_CODE)`. */
const codeOf = (stderr: string) => /\((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

describe('cli: a refused relay address fails fast, with the cause', () => {
  let dir: string;
  let relay: string;
  const as = (argv: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(['--profile', join(dir, 'a'), '--relay', relay, ...argv], options);

  beforeEach(async () => {
    dir = await makeTempDir();
    relay = `127.0.0.1:${await refusedPort()}`;
    assert.equal((await runCli(['--profile', join(dir, 'a'), 'init', '--name', 'alice'])).code, 0);
  });

  afterEach(removeTempDirs);

  it('send and inbox both exit 1 with E_RELAY_UNREACHABLE and ECONNREFUSED within about a second', async () => {
    for (const argv of [['send', '--to', 'bob', 'hello?'], ['inbox']]) {
      const startedAt = Date.now();
      const r = await as(argv);
      const tookMs = Date.now() - startedAt;
      assert.equal(r.code, 1, argv[0]);
      assert.equal(codeOf(r.stderr), 'E_RELAY_UNREACHABLE', r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`relay ${relay} not reachable: connection refused \\(ECONNREFUSED\\)`),
      );
      assert.ok(tookMs < 3_000, `${argv[0]} took ${tookMs} ms (--wait is 30 s)`);
    }
  });

  it('says at once that what answered at the address is no relay (a web server), in words, not OpenSSL text', async () => {
    // Something that answers a ClientHello with plain text, as an HTTP server does.
    const web = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    relay = `127.0.0.1:${(web.address() as { port: number }).port}`;
    try {
      for (const argv of [['send', '--to', 'bob', 'hello?'], ['inbox']]) {
        const startedAt = Date.now();
        const r = await as(argv);
        const tookMs = Date.now() - startedAt;
        assert.equal(r.code, 1, argv[0]);
        assert.equal(codeOf(r.stderr), 'E_RELAY_TLS_FAILED', r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`relay ${relay} answered, but not as a natter relay: no TLS 1\\.3 handshake`),
        );
        assert.doesNotMatch(r.stderr, /SSL routines|openssl/, 'no OpenSSL internals');
        if (argv[0] === 'send') assert.match(r.stderr, /1 message\(s\) stay queued/);
        assert.ok(tookMs < 5_000, `${argv[0]} took ${tookMs} ms (--wait is 30 s)`);
      }
    } finally {
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('with --wait, tries a refused address for that long: the user said how long to wait', async () => {
    const startedAt = Date.now();
    const r = await as(['inbox', '--wait', '2500']);
    const tookMs = Date.now() - startedAt;
    assert.equal(codeOf(r.stderr), 'E_RELAY_UNREACHABLE', r.stderr);
    assert.match(
      r.stderr,
      /not reachable within 2500 ms \(last attempt: connection refused \(ECONNREFUSED\)\)/,
    );
    assert.ok(tookMs >= 2_400, `gave up after ${tookMs} ms`);
  });

  it('init notes the refused relay within about a second, and keeps the identity', async () => {
    const startedAt = Date.now();
    const r = await runCli([
      '--profile',
      join(dir, 'z'),
      '--relay',
      relay,
      'init',
      '--name',
      'zed',
    ]);
    // Put off, not refused: exit 0, and the note goes to stderr with the other notes (QA trial).
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^natter: relay \S+ not reachable: connection refused \(ECONNREFUSED\); the name is registered/,
    );
    assert.doesNotMatch(r.stdout, /not reachable/);
    assert.match(r.stdout, /^zed {2}\S+\nidentity created in /);
    assert.ok(Date.now() - startedAt < 3_000);
  });

  it('says what it waits for on a terminal, and nothing of the kind when stderr is not one', async () => {
    const tty = await as(['inbox'], { stderrTTY: true });
    assert.match(
      tty.stderr,
      new RegExp(`^natter: waiting for relay ${relay}: connection refused \\(ECONNREFUSED\\)…\n`),
    );
    assert.equal(codeOf(tty.stderr), 'E_RELAY_UNREACHABLE');
    const piped = await as(['inbox']);
    assert.doesNotMatch(piped.stderr, /waiting for/);
    assert.equal(piped.stderr.split('\n').length, 2, 'one line');
  });

  it('still finds a relay that comes back within the first second', async () => {
    const [, port] = relay.split(':');
    const send = as(['send', '--to', 'alice2', 'are you there?']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const back = await startTestRelay({ port: Number(port) });
    try {
      const r = await send;
      // The relay answered: the name is unknown there, which is not an unreachable relay.
      assert.equal(codeOf(r.stderr), 'E_UNKNOWN_USER', r.stderr);
    } finally {
      await back.close();
    }
  });
});

describe('cli: natter relay that cannot start', () => {
  afterEach(removeTempDirs);

  const start = (argv: string[]) =>
    runCli(['relay', '--port', '0', ...argv], {
      stop: new Promise((resolve) => setTimeout(() => resolve('SIGTERM'), 2_000)),
    });

  it('says a --data that is a file, with a code, not EEXIST', async () => {
    const file = join(await makeTempDir(), 'not-a-dir');
    await writeFile(file, 'x');
    const r = await start(['--host', '127.0.0.1', '--data', file]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^natter: relay: --data .*not-a-dir is a file, not a directory.*\(E_RELAY_DATA\)\n$/,
    );
  });

  it('refuses a --name with an escape or over 64 characters as bad usage before it listens, presence or not', async () => {
    const presenceOn = {
      NATTER_RELAY_PRESENCE: '1',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_PORT: '47606',
    };
    for (const name of ['ab\u001b[31mc', 'x'.repeat(300)]) {
      for (const [env, flags] of [
        [presenceOn, []],
        [{}, ['--no-presence']],
      ] as const) {
        const r = await runCli(
          [
            'relay',
            '--host',
            '127.0.0.1',
            '--port',
            '0',
            '--data',
            await makeTempDir(),
            '--name',
            name,
            ...flags,
          ],
          { env, stop: new Promise((resolve) => setTimeout(() => resolve('SIGTERM'), 2_000)) },
        );
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, '', 'nothing started');
        assert.match(
          r.stderr,
          /^natter: relay: --name (has 300 characters|holds a control, bidi or zero-width character): a relay name is one line of at most 64 characters, with no control, bidi or zero-width characters \(E_USAGE\)\n$/,
        );
        assert.ok(!r.stderr.includes('\u001b'), 'the name is not echoed');
      }
    }
  });

  it('refuses --host 999.1.1.1 as bad usage, without looking it up', async () => {
    const r = await start(['--host', '999.1.1.1', '--data', await makeTempDir()]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^natter: relay: --host 999\.1\.1\.1 is not an IPv4 address \(E_USAGE\)\n$/,
    );
  });

  it('refuses a --cluster list that mixes tls:// and nats:// as bad usage, before any connection', async () => {
    const r = await start([
      '--host',
      '127.0.0.1',
      '--data',
      await makeTempDir(),
      '--cluster',
      'tls://127.0.0.1:1,nats://127.0.0.1:2',
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^natter: relay: --cluster mixes tls:\/\/ and nats:\/\/ URLs: .*\(E_USAGE\)\n$/,
    );
  });

  it('says an address of another machine, or a port in use, in one coded line', async () => {
    const other = await start(['--host', '192.0.2.1', '--data', await makeTempDir()]);
    assert.equal(other.code, 1);
    assert.match(
      other.stderr,
      /^natter: relay: 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\) \(E_RELAY_LISTEN\)\n$/,
    );
    const taken = await startTestRelay();
    try {
      const r = await runCli([
        'relay',
        '--host',
        '127.0.0.1',
        '--port',
        String(taken.port),
        '--data',
        await makeTempDir(),
      ]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^natter: relay: 127\.0\.0\.1:\d+ is already in use \(E_ADDRESS_IN_USE\)\n$/,
      );
    } finally {
      await taken.close();
    }
  });
});
