/**
 * The `natter` command as it ships: one bundle split into a few chunks
 * (scripts/bundle.mjs; docs/decisions.md, "The natter command, bundled"). Every command
 * starts by loading it, so a command that needs neither the relay's cluster code
 * (@nats-io/*, loaded by relay/server.ts for `natter relay --cluster`) nor blessed
 * (peer/ui/screen.ts, for `natter chat`) must not load them: a static import of either,
 * or a bundle built without code splitting, would make every `natter` pay for them.
 * A module hook (helpers/record-imports.mjs) records what the process imports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtCli, natterProcess } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

const root = resolve(import.meta.dirname, '..', '..');
const hook = pathToFileURL(join(import.meta.dirname, '..', 'helpers', 'record-imports.mjs')).href;
const dist = pathToFileURL(join(root, 'dist')).href;

/** A bundle of about half a dozen files; tsc's module tree loaded about 380. */
const MAX_DIST_FILES_AT_START = 10;

interface Imported {
  specifier: string;
  url: string;
}

async function importsOf(args: string[]): Promise<{ stdout: string; imported: Imported[] }> {
  const log = join(await makeTempDir(), 'imports');
  const r = spawnSync(process.execPath, ['--import', hook, builtCli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NATTER_TEST_IMPORTS_LOG: log },
  });
  assert.equal(r.status, 0, `natter ${args.join(' ')}: ${r.stderr}`);
  const imported = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [specifier = '', url = ''] = line.split('\t');
      return { specifier, url };
    });
  return { stdout: r.stdout, imported };
}

describe('e2e: the bundled natter command loads only what a command needs', function () {
  this.timeout(60_000);

  afterEach(async () => {
    await removeTempDirs();
  });

  for (const args of [['--version'], ['help']]) {
    it(`natter ${args.join(' ')} loads a few bundle files, and neither the cluster code nor blessed`, async () => {
      const { stdout, imported } = await importsOf(args);
      if (args[0] === '--version') {
        const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
          version: string;
        };
        assert.equal(stdout, `${pkg.version}\n`, 'the version, read from the bundle');
      }
      const specifiers = imported.map((i) => i.specifier);
      // The hook sees the bare imports (else the assertions below would hold vacuously).
      assert.ok(specifiers.includes('commander'), specifiers.join(', '));
      assert.deepEqual(
        specifiers.filter((s) => /^(@nats-io\/|blessed(\/|$))/.test(s)),
        [],
        'loaded lazily, by the commands that use them',
      );
      const files = new Set(imported.map((i) => i.url).filter((u) => u.startsWith(`${dist}/`)));
      assert.ok(
        files.size <= MAX_DIST_FILES_AT_START,
        `${files.size} files of dist/ loaded: ${[...files].slice(0, 5).join(', ')}, ...`,
      );
    });
  }

  it('prints stack traces that name src/ files with NATTER_DEBUG=1 (source maps), none without', async () => {
    const env = {
      NATTER_HOME: await makeTempDir(),
      NATTER_PRESENCE: '0',
      NATTER_PRESENCE_INTERFACES: '0',
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
    };
    // An empty profile: `contacts` fails with E_NO_IDENTITY.
    const quiet = await natterProcess(['contacts'], env);
    assert.equal(quiet.code, 1);
    assert.doesNotMatch(quiet.stderr, /\n\s+at /);
    const loud = await natterProcess(['contacts'], { ...env, NATTER_DEBUG: '1' });
    assert.equal(loud.code, 1);
    assert.match(loud.stderr, /E_NO_IDENTITY/);
    const frames = loud.stderr.split('\n').filter((l) => /^\s+at /.test(l));
    assert.ok(
      frames.some((l) => l.includes(join(root, 'src', 'cli', 'main.ts'))),
      `a frame in src/cli/main.ts:\n${loud.stderr}`,
    );
    assert.deepEqual(
      frames.filter((l) => l.includes(join(root, 'dist', 'chunks'))),
      [],
      'no frame in the bundle',
    );
  });
});
