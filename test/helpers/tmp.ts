/** Temporary directories that tests create and always remove. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** A fresh empty directory under the OS temp dir; removed by removeTempDirs(). */
export async function makeTempDir(prefix = 'natter-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * Removes every directory made by makeTempDir() so far (call from an after/afterEach
 * hook). Retries: a process or LevelDB still finishing a write makes rm see ENOTEMPTY.
 */
export async function removeTempDirs(): Promise<void> {
  const dirs = created.splice(0);
  await Promise.all(
    dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })),
  );
}
