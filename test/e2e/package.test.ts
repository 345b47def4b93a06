/**
 * Issue 13, "Installing on a client machine": the tarball `npm pack` makes is all a
 * client machine needs. The package is packed from a copy of the working tree (its
 * `prepack` cleans and builds there, so the checkout's own dist/ is never touched),
 * installed with `npm install -g --prefix TMP` as the README says, and the installed
 * `natter` (TMP/bin/natter, through its shebang) prints its version, runs a relay on
 * 127.0.0.1 and carries a message each way between two profiles it initialised.
 *
 * The install needs the npm registry or a warm npm cache (`npm ci` fills it): when npm
 * can reach neither, the test skips and says why. No LAN presence there: the relay and
 * the clients run with presence off, on loopback only.
 *
 * Then, as root with iproute2 (CI), the same installed `natter` runs on a second machine:
 * a LAN of two network namespaces (scripts/lan-sim.sh, its own prefix), a relay on h1,
 * one user on each host, no relay address given anywhere: each client finds the relay
 * by its beacon and they chat both ways. Presence broadcasts stay inside the namespaces.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { freeTcpPort, listening } from '../helpers/ports.js';

const root = resolve(import.meta.dirname, '..', '..');
const lanSim = join(root, 'scripts', 'lan-sim.sh');

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell, not of the `npm test` that runs this file: npm
 * exports its own settings to scripts (npm_config_local_prefix would point the inner
 * npm at the checkout, npm_config_allow_scripts= would override the flag under test).
 * Only the settings that decide how the registry is reached are kept.
 */
function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(registry|cache|userconfig|globalconfig|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|offline|prefer_offline)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.test(k)) continue;
    if (k === 'INIT_CWD') continue;
    env[k] = v;
  }
  // The installed bin's `#!/usr/bin/env node` finds the node running this test first.
  env.PATH = [dirname(process.execPath), env.PATH ?? ''].join(delimiter);
  return { ...env, ...extra };
}

/**
 * shellEnv for a process inside the namespace LAN: the presence settings a developer's
 * shell keeps for loopback runs (NATTER_PRESENCE_INTERFACES=0, ...) are left out, since
 * this LAN is the namespaces' own and the test is that presence finds the relay there.
 */
function lanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = shellEnv(extra);
  for (const key of Object.keys(env)) {
    if (key.startsWith('NATTER_PRESENCE') && !(key in extra)) delete env[key];
  }
  return env;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? root,
      env: opts.env ?? shellEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // A command still running at its deadline is killed (never left behind the test)
    // and reported as ETIMEDOUT.
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\nkilled after ${opts.timeoutMs} ms (ETIMEDOUT)`;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ code: null, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** npm failed because no registry (and no cached copy) could be reached. */
function unreachable(out: string): boolean {
  return /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/.test(
    out,
  );
}

/** Top-level entries left out of the copy that is packed: built, installed or VCS state. */
const NOT_COPIED = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'coverage',
  '.nyc_output',
  'tmp',
]);

describe('e2e: the packed tarball installs and runs (npm pack, npm install -g)', function () {
  this.timeout(120_000);
  let dir: string;
  let relay: ChildProcess | null = null;
  /** The installed bin, once the first test installed it. */
  let natterBin: string | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-pack-'));
  });

  after(async () => {
    await stop(relay);
    relay = null;
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('packs only what runs, installs with npm install -g, and chats through its own relay', async function () {
    const started = Date.now();
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };

    // 1. Pack from a copy of the working tree, with the checkout's node_modules (the
    //    build needs tsc). A stale file in dist/ shows that prepack starts clean.
    const src = join(dir, 'src');
    await cp(root, src, {
      recursive: true,
      filter: (from) => dirname(from) !== root || !NOT_COPIED.has(basename(from)),
    });
    await symlink(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
    await mkdir(join(src, 'dist'), { recursive: true });
    await writeFile(join(src, 'dist', 'stale-from-a-deleted-source.js'), 'export {};\n');
    const out = join(dir, 'out');
    await mkdir(out);
    const pack = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: src });
    if (pack.code === null && /ENOENT/.test(pack.stderr)) {
      console.log('      skipped: npm is not on PATH');
      this.skip();
    }
    assert.equal(pack.code, 0, `npm pack failed:\n${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed, pack.stdout);
    assert.equal(packed.filename, `${pkg.name}-${pkg.version}.tgz`);
    const files = packed.files.map((f) => f.path);
    assert.ok(files.includes('dist/cli.js'), 'the bin is packed');
    assert.ok(files.includes('README.md'));
    assert.ok(files.includes('contrib/natter-relay.service'), 'the systemd unit is packed');
    const foreign = files.filter(
      (f) =>
        !/^(dist|docs|contrib)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f),
    );
    assert.deepEqual(
      foreign,
      [],
      'nothing but dist/, docs/, contrib/, README, LICENSE and package.json',
    );
    assert.ok(!files.includes('dist/stale-from-a-deleted-source.js'), 'prepack cleans dist/ first');
    const cliHead = await readFile(join(src, 'dist', 'cli.js'), 'utf8');
    // `env -S node FLAGS` (src/cli.ts): the installed `natter` below runs through it.
    assert.match(
      cliHead,
      /^#!\/usr\/bin\/env -S node( --[a-z-]+(=\d+)?)+\n/,
      'dist/cli.js starts with the shebang',
    );

    // 2. Install it the README's way, into a private prefix: from the npm cache alone
    //    first (`npm ci` filled it), then from the registry, briefly. With neither,
    //    skip rather than fail.
    const prefix = join(dir, 'prefix');
    const installArgs = [
      'install',
      '-g',
      '--allow-scripts=classic-level',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      join(out, packed.filename),
    ];
    let install = await run('npm', [...installArgs, '--offline'], { cwd: dir, timeoutMs: 30_000 });
    if (install.code !== 0 && /\bENOTCACHED\b/.test(install.stdout + install.stderr)) {
      install = await run(
        'npm',
        [
          ...installArgs,
          '--prefer-offline',
          '--fetch-retries=1',
          '--fetch-retry-mintimeout=500',
          '--fetch-retry-maxtimeout=1000',
          '--fetch-timeout=20000',
        ],
        { cwd: dir, timeoutMs: 60_000 },
      );
      if (install.code !== 0 && unreachable(install.stdout + install.stderr)) {
        const why = (install.stdout + install.stderr).split('\n').find((l) => unreachable(l));
        console.log(
          `      skipped: npm cannot reach a registry and has no cached copy (${why?.trim()})`,
        );
        this.skip();
      }
    }
    assert.equal(install.code, 0, `npm install -g failed:\n${install.stdout}${install.stderr}`);
    assert.doesNotMatch(
      install.stderr,
      /npm warn install-scripts/,
      'the README install command leaves no install script unapproved',
    );
    // Every package the shipped code imports or requires is a declared runtime
    // dependency (not a devDependency that happened to be in the checkout) and was
    // installed with it; optional ones may be missing on some platforms.
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const bare = new Set<string>();
    for (const entry of await readdir(join(installed, 'dist'), { recursive: true })) {
      if (!entry.endsWith('.js')) continue;
      const code = await readFile(join(installed, 'dist', entry), 'utf8');
      // No parentheses in a specifier: the bundle puts a whole command's options on one
      // line, where `… removed from").option("--json"` would read as importing `).option(`.
      for (const m of code.matchAll(
        /(?:(?<=[\s}])from\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bcreateRequire\([^)]*\)\s*\(\s*)['"]([^'"\s()]+)['"]/g,
      )) {
        const spec = m[1] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
        bare.add(
          spec.startsWith('@')
            ? spec.split('/').slice(0, 2).join('/')
            : (spec.split('/')[0] ?? spec),
        );
      }
    }
    assert.ok(bare.has('commander'), `the import scan works: ${[...bare].join(', ')}`);
    for (const name of bare) {
      const required = name in (manifest.dependencies ?? {});
      const optional = name in (manifest.optionalDependencies ?? {});
      assert.ok(required || optional, `${name} is imported by dist/ but not a runtime dependency`);
      if (required) {
        assert.ok(
          existsSync(join(installed, 'node_modules', name, 'package.json')),
          `${name} installed`,
        );
      }
    }

    const bin = join(prefix, 'bin', 'natter');
    natterBin = bin;
    const natter = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      run(bin, args, { cwd: dir, env: shellEnv({ HOME: join(dir, 'home'), ...env }) });

    // 3. The installed command: version, relay, two profiles, a message each way.
    const version = await natter(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);

    const port = await freeTcpPort();
    relay = spawn(
      bin,
      ['relay', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'relay')],
      {
        cwd: dir,
        stdio: 'ignore',
        env: shellEnv({ HOME: join(dir, 'home'), NATTER_RELAY_PRESENCE: '0' }),
      },
    );
    await listening(port, { process: relay, timeoutMs: 15_000, pollMs: 50 });

    const as = (name: string) => ({
      NATTER_HOME: join(dir, name),
      NATTER_RELAY: `127.0.0.1:${port}`,
      NATTER_PRESENCE: '0',
    });
    for (const name of ['alice', 'bob']) {
      const init = await natter(['init', '--name', name], as(name));
      assert.equal(init.code, 0, `init ${name}: ${init.stderr}`);
    }
    const sent = await natter(['send', '--to', 'bob', 'hello from the tarball'], as('alice'));
    assert.equal(sent.code, 0, `send: ${sent.stderr}`);
    const inbox = await natter(['inbox', '--json'], as('bob'));
    assert.equal(inbox.code, 0, `bob's inbox: ${inbox.stderr}`);
    const got = inbox.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { from?: unknown; text?: unknown });
    assert.deepEqual(
      got.map((m) => m.text),
      ['hello from the tarball'],
      inbox.stdout,
    );

    const reply = await natter(['send', '--to', 'alice', 'hello back'], as('bob'));
    assert.equal(reply.code, 0, `reply: ${reply.stderr}`);
    const aliceInbox = await natter(['inbox', '--json'], as('alice'));
    assert.equal(aliceInbox.code, 0, `alice's inbox: ${aliceInbox.stderr}`);
    assert.match(aliceInbox.stdout, /"text":"hello back"/);

    console.log(
      `      packed, installed and chatted in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  it('runs on a second machine (a network namespace), finds the relay by its beacon and chats both ways', async function () {
    if (natterBin === null) this.skip(); // the install above did not happen
    if (process.getuid?.() !== 0 || !hasIp()) {
      console.log('      skipped: the namespace LAN needs root and iproute2 (CI has both)');
      this.skip();
    }
    const bin = natterBin as string;
    const prefix = `np${process.pid % 100_000}`;
    const sim = (...args: string[]) =>
      run('bash', [lanSim, ...args], {
        env: shellEnv({ NATTER_LAN_PREFIX: prefix }),
        timeoutMs: 30_000,
      });
    await sim('down');
    const up = await sim('up', '2');
    assert.equal(up.code, 0, `lan-sim up: ${up.stderr}`);
    let lanRelay: ChildProcess | null = null;
    try {
      const home = join(dir, 'lan-home');
      const onHost = (host: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
        run('ip', ['netns', 'exec', `${prefix}-${host}`, bin, ...args], {
          cwd: dir,
          env: lanEnv({ HOME: home, ...env }),
          timeoutMs: 30_000,
        });
      const relayHost = spawn(
        'ip',
        ['netns', 'exec', `${prefix}-h1`, bin, 'relay', '--data', join(dir, 'lan-relay')],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: lanEnv({ HOME: home }) },
      );
      lanRelay = relayHost;
      await new Promise<void>((ready, fail) => {
        let out = '';
        relayHost.stdout?.on('data', (d) => {
          out += d;
          if (out.includes('listening on')) ready();
        });
        relayHost.once('exit', (code) => fail(new Error(`relay exited (${code}): ${out}`)));
      });

      // carol on the relay's host, dave on the second machine; neither is told where
      // the relay is: both find it by its beacon on their LAN.
      const as = (name: string) => ({ NATTER_HOME: join(dir, `lan-${name}`) });
      for (const [host, name] of [
        ['h1', 'carol'],
        ['h2', 'dave'],
      ] as const) {
        const init = await onHost(host, ['init', '--name', name], as(name));
        assert.equal(init.code, 0, `init ${name} on ${host}: ${init.stdout}${init.stderr}`);
      }
      const sent = await onHost(
        'h1',
        ['send', '--to', 'dave', 'hello, second machine'],
        as('carol'),
      );
      assert.equal(sent.code, 0, `carol's send: ${sent.stderr}`);
      const inbox = await onHost('h2', ['inbox', '--json'], as('dave'));
      assert.equal(inbox.code, 0, `dave's inbox: ${inbox.stderr}`);
      assert.match(inbox.stdout, /"text":"hello, second machine"/);
      const reply = await onHost('h2', ['send', '--to', 'carol', 'hello from h2'], as('dave'));
      assert.equal(reply.code, 0, `dave's reply: ${reply.stderr}`);
      const back = await onHost('h1', ['inbox', '--json'], as('carol'));
      assert.equal(back.code, 0, `carol's inbox: ${back.stderr}`);
      assert.match(back.stdout, /"text":"hello from h2"/);
    } finally {
      await stop(lanRelay);
      await sim('down');
    }
  });
});

/** Stops a spawned process: SIGTERM, SIGKILL after 5 s. */
async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
