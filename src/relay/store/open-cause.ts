/**
 * Why a data directory or its store could not be made (sixteenth sitting's operator trial):
 * node's recursive mkdir, and LevelDB's own, say ENOENT on a read-only file system, and
 * LevelDB's open failure hides the system's reason in its message ("No space left on
 * device"). These find the real code and say it in words.
 */
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The system codes a data directory meets at start, in words. */
const WORDS: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
};

/** LevelDB's "IO error: …: No space left on device" as the code it stands for. */
const LEVEL_TEXT: readonly [RegExp, string][] = [
  [/read-only file system/i, 'EROFS'],
  [/no space left on device/i, 'ENOSPC'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/permission denied/i, 'EACCES'],
];

/** `words (CODE)`, or the bare code when it has none here. */
export function fsWords(code: string): string {
  const words = WORDS[code];
  return words === undefined ? code : `${words} (${code})`;
}

/** The first system code in `err`'s cause chain, or one its messages name. */
function codeIn(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const { code } = e as NodeJS.ErrnoException;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    for (const [pattern, named] of LEVEL_TEXT) if (pattern.test(e.message)) return named;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The real reason `path` could not be made or opened: the code in `err`, unless that is
 * ENOENT (or none) while the nearest existing folder above `path` cannot be written, whose
 * reason (EROFS, EACCES) is then the real one. `canWrite` rejects with why not (tests).
 */
export async function realFsCode(
  err: unknown,
  path: string,
  canWrite: (dir: string) => Promise<void> = (dir) => access(dir, constants.W_OK),
): Promise<string | undefined> {
  const code = codeIn(err);
  if (code !== undefined && code !== 'ENOENT') return code;
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      await access(dir, constants.F_OK);
    } catch {
      if (dirname(dir) === dir) return code;
      continue;
    }
    try {
      await canWrite(dir);
      return code;
    } catch (denied) {
      return codeIn(denied) ?? code;
    }
  }
}
