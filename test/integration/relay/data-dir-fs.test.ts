/**
 * A relay whose data directory is on a read-only or a full file system (sixteenth
 * sitting's operator trial): the reason in words (not ENOENT, not a bare E_STORE_OPEN),
 * and no half-made store/ left behind. Needs root to mount a small tmpfs (unmounted
 * after); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const run = promisify(execFile);
const root = process.getuid?.() === 0;

/** `natter relay` on `data`; it is expected to fail at once. */
const relayOn = (data: string) =>
  runCli(['relay', '--host', '127.0.0.1', '--port', '0', '--data', data], {
    stop: new Promise((resolve) => setTimeout(() => resolve('SIGTERM'), 2_000)),
  });

(root ? describe : describe.skip)('relay data directory on a read-only or full file system', () => {
  let mounted: string | null = null;
  const mountTmpfs = async (options: string) => {
    const dir = await makeTempDir();
    await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mounted = dir;
    return dir;
  };
  afterEach(async () => {
    if (mounted !== null) await run('umount', [mounted]);
    mounted = null;
    await removeTempDirs();
  });

  it('says a read-only file system, for a data dir to be made and for one that exists', async () => {
    const dir = await mountTmpfs('size=1m,ro');
    const missing = await relayOn(join(dir, 'data'));
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /cannot use the data directory .*: read-only file system \(EROFS\) \(E_RELAY_DATA\)\n$/,
    );
    const there = await relayOn(dir);
    assert.equal(there.code, 1);
    assert.match(
      there.stderr,
      /could not open the store in .*: read-only file system \(EROFS\) \(E_STORE_OPEN\)\n$/,
    );
  });

  it('says no space left on device, and leaves no half-made store', async () => {
    const dir = await mountTmpfs('size=64k');
    await writeFile(join(dir, 'fill'), Buffer.alloc(64 * 1024)).catch(() => undefined);
    const r = await relayOn(join(dir, 'd'));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /could not open the store in .*: no space left on device \(ENOSPC\) \(E_STORE_OPEN\)\n$/,
    );
    assert.equal(existsSync(join(dir, 'd', 'store')), false, 'no half-made store/');
  });
});
