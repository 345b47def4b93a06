/**
 * The node flags natter runs with (src/cli.ts's first line, issue 12): `npm start`
 * passes the same ones, and this node accepts them (a flag node refuses would stop
 * every `natter` command at its first line). Each is there for a measured reason
 * (docs/decisions.md), so each is named here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const first = readFileSync(`${ROOT}src/cli.ts`, 'utf8').split('\n')[0] ?? '';
const SHEBANG = /^#!\/usr\/bin\/env -S node( --[a-z-]+(=\d+)?)+$/;
/** Issue 12 (file transfers), issue 8 (the relay's heap at most 2x live), issue 14 (no pretenuring). */
const EXPECTED = [
  '--initial-old-space-size=64',
  '--heap-growing-percent=100',
  '--no-allocation-site-pretenuring',
];

describe('the node flags of the natter executable', () => {
  it('are on the first line of src/cli.ts, through env -S', () => {
    assert.match(first, SHEBANG);
  });

  it('are the ones decided on, each once', () => {
    const flags = first.replace('#!/usr/bin/env -S node ', '').split(' ');
    assert.deepEqual([...flags].sort(), [...EXPECTED].sort());
  });

  it('are the ones npm start passes to the relay', () => {
    const flags = first.replace('#!/usr/bin/env -S node ', '');
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts.start, `node ${flags} dist/cli.js relay`);
  });

  it('are accepted by this node', () => {
    const flags = first.replace('#!/usr/bin/env -S node ', '').split(' ');
    const r = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it('are read by running dist/cli.js itself: the build leaves it executable', () => {
    // npm test builds first (pretest); a checkout's ./dist/cli.js runs as the README says.
    const r = spawnSync(`${ROOT}dist/cli.js`, ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.error ?? ''} ${r.stderr}`);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
