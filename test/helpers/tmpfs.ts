/**
 * A small tmpfs of a test's own (root only), for a disk that fills or refuses writes:
 * mounted on a fresh temp dir, unmounted and removed by unmountTmpfs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts a tmpfs of `sizeMiB` (owner-only) under a new dir named from `prefix`; throws when not root. */
export async function mountTmpfs(sizeMiB: number, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    if (process.getuid?.() !== 0) throw new Error('not root');
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'natter-test', dir]);
    return dir;
  } catch (err) {
    await rmdir(dir).catch(() => {});
    throw err;
  }
}

/** Unmounts (lazily if busy) and removes a dir mountTmpfs made. */
export async function unmountTmpfs(dir: string): Promise<void> {
  await run('umount', [dir]).catch(() => run('umount', ['-l', dir]).catch(() => {}));
  await rmdir(dir).catch(() => {});
}
