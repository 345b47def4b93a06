/**
 * `natter --version` reads natter's package.json from wherever the code runs: src/cli/
 * (tsx), build/cli/ (tsc) or a chunk of the bundle (dist/chunks/), at different depths
 * below it (docs/decisions.md, "The natter command, bundled"). A fixed relative path
 * found it from one depth only.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageVersion } from '../../../src/cli/main.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

describe('natter --version', () => {
  afterEach(async () => {
    await removeTempDirs();
  });

  it("is the nearest natter package.json's above the code, at any depth", async () => {
    const root = await makeTempDir();
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({ name: 'natter', version: '9.8.7' }),
    );
    // A package.json of another package on the way up is passed over.
    await mkdir(join(root, 'dist', 'chunks'), { recursive: true });
    await writeFile(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    for (const file of ['cli.js', 'dist/cli.js', 'dist/chunks/main-ABC.js', 'a/b/c/d.js']) {
      assert.equal(packageVersion(pathToFileURL(join(root, file)).href), '9.8.7', file);
    }
  });

  it("is this checkout's from the source", async () => {
    const { version } = (await import('../../../package.json', { with: { type: 'json' } })).default;
    assert.equal(packageVersion(), version);
  });

  it('is unknown where no natter package.json is found', async () => {
    const root = await makeTempDir();
    assert.equal(packageVersion(pathToFileURL(join(root, 'x', 'main.js')).href), 'unknown');
  });
});
