/**
 * The key file on disk: a bounded read, an atomic 0600 write (util/atomic-file.ts)
 * and a mode check, with file-system failures mapped to the key file's error codes.
 * The bytes read and written hold secret keys: callers zero what they get, this
 * module zeroes what it copies.
 */

import { open, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-file.js';
import { NatterError } from '../util/errors.js';
import { CryptoCode, cryptoError } from './errors.js';
import { corrupt } from './keyfile-format.js';

/** A real key file is under 1 KiB; anything much bigger is not ours and is not parsed. */
export const MAX_KEYFILE_BYTES = 64 * 1024;

/** The file's bytes, for the caller to zero. Throws E_KEYFILE_MISSING, _UNREADABLE or _CORRUPT. */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      // Checked before reading, so a huge file is never pulled into memory.
      if ((await fh.stat()).size > MAX_KEYFILE_BYTES) throw corrupt('file is too large');
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw err instanceof NatterError ? err : ioError('load identity', err);
  }
}

/** Replaces the file atomically with mode 0600. Throws E_KEYFILE_WRITE. */
export async function writeKeyFile(path: string, text: string): Promise<void> {
  const data = Buffer.from(text, 'utf8');
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    throw cryptoError(CryptoCode.KeyfileWrite, `save identity: could not write ${path}`, {
      cause: err,
    });
  } finally {
    data.fill(0);
  }
}

/**
 * False when group or others have any permission on the file, so callers can warn. Always
 * true on Windows, which has no POSIX modes (the profile directory's ACL applies there).
 */
export async function keyFileModeIsPrivate(path: string): Promise<boolean> {
  if (process.platform === 'win32') return true;
  try {
    return ((await stat(path)).mode & 0o077) === 0;
  } catch (err) {
    throw ioError('check key file mode', err);
  }
}

function ioError(step: string, err: unknown): NatterError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return cryptoError(CryptoCode.KeyfileMissing, `${step}: no key file`, { cause: err });
  }
  return cryptoError(CryptoCode.KeyfileUnreadable, `${step}: cannot read key file`, { cause: err });
}
