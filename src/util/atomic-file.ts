/**
 * Write-then-rename: a crash leaves the old file or the new one, never half of
 * either. The temporary file is created exclusively with the final mode (0600
 * by default, made exact despite the umask), synced before the rename, and the
 * directory is synced after it, so the rename itself survives a power loss.
 * One helper for the key file, the relay key, the profile config and UI state.
 */
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode. Default 0o600: everything natter writes is private. */
  mode?: number;
  /** Mode of a directory created for it. Default 0o700. */
  dirMode?: number;
}

let tempCounter = 0;

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  // Exclusive create ('wx') with a name unique to this process and call: two writers never share one.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  let fh: FileHandle | undefined;
  try {
    // Only a directory we create gets dirMode; an existing one is the user's choice.
    await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
    fh = await open(tmp, 'wx', mode);
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync a directory so a rename in it is durable; some file systems refuse, which is fine. */
export async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported here (some platforms and file systems): the rename is still atomic.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
