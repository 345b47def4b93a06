import { constants } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FilesCode, filesError } from './errors.js';
import { checkRelativePath, nameCandidates, noFreeName, safeDisplayName } from './safe-name.js';

/**
 * Creating received files in the download folder without ever leaving it, overwriting
 * anything, or following a link someone planted there (DESIGN.md §7, issue 12). Every name is
 * one component that safe-name.ts produced, joined to the folder and checked to sit directly
 * in it; every creation is O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file, directory or
 * symlink (dangling or not: POSIX open() with O_EXCL fails with EEXIST on any symlink) simply
 * makes us take the next name. Received files are created 0600: they are the user's own, and
 * several people may share a host (DESIGN.md §2).
 */

/** Open flags for a new file: fail if anything exists there, never follow a link. */
const CREATE_NEW =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Open flags for the in-progress file, which a resumed transfer reopens. */
const OPEN_PART = constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
const FILE_MODE = 0o600;
/** A transfer id in hex: 128 bits, or anything from 64 to 256 bits. */
const TRANSFER_ID_HEX = /^[0-9a-f]{16,64}$/;
/** link() is not supported on this file system (FAT, some network mounts): reserve + rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

export interface DownloadTarget {
  /** Absolute path of the created file: directly in the download folder, or under a received folder. */
  readonly path: string;
  /** Open for writing; the caller closes it. */
  readonly handle: FileHandle;
}

export interface FinalizeOptions {
  /**
   * Claim the final name with link() (true, the default) or with an O_EXCL reservation and
   * rename() (false). finalizeDownload falls back to the latter by itself where the file
   * system has no hard links.
   */
  hardLink?: boolean;
}

/**
 * Creates a new, empty file for `displayName` (sanitised again here) directly in `dir`:
 * "name.ext", else "name (1).ext", "name (2).ext" ... skipping every name where anything
 * exists, symlinks included. Throws E_FILE_NO_FREE_NAME when every candidate is taken and
 * E_FILE_IO when the folder refuses.
 */
export async function openDownloadTarget(
  dir: string,
  displayName: string,
  cursor?: NameCursor,
): Promise<DownloadTarget> {
  const folder = resolve(dir);
  const name = safeDisplayName(displayName);
  let n = cursor?.get(name) ?? 0;
  for (const candidate of nameCandidates(name, n)) {
    const path = inside(folder, candidate);
    try {
      const handle = await open(path, CREATE_NEW, FILE_MODE);
      cursor?.set(name, n + 1);
      return { path, handle };
    } catch (err) {
      if (!isTaken(err)) throw ioError(`download: cannot create in ${folder}`, err);
    }
    n++;
  }
  throw noFreeName(name);
}

/**
 * Where the next name of each sanitised name is tried from (nameCandidates' `from`), shared by
 * the files and folders of one save: a thousand items of one name cost a thousand tries, not
 * half a million (a hostile-peer trial).
 */
export type NameCursor = Map<string, number>;

/**
 * Makes the folder downloads go to (and its parents), mode 0700: E_FILE_BAD_PATH when a
 * file stands where it or a parent should be (`accept --out report.txt`), not the raw
 * EEXIST or ENOTDIR of mkdir. One level at a time, from the root down, rather than mkdir's
 * `recursive`, which on Node 20 loops for ever, a core busy, under a file system that
 * answers ENOENT to a new folder in a folder that exists (`accept --out /proc/x`).
 */
export async function makeDownloadDir(folder: string): Promise<void> {
  const path = resolve(folder);
  const levels: string[] = [];
  for (let at = path; dirname(at) !== at; at = dirname(at)) levels.unshift(at);
  for (const level of levels) {
    try {
      await mkdir(level, { mode: 0o700 });
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') {
        if (codeOf(err) === 'ENOTDIR') throw notAFolder(folder, err);
        throw ioError(`download: cannot create ${folder}`, err);
      }
      const found = await stat(level).catch(() => null);
      if (found === null || !found.isDirectory()) throw notAFolder(folder, err);
    }
  }
}

const notAFolder = (folder: string, cause: unknown) =>
  filesError(FilesCode.BadPath, `download: ${folder} is not a folder (a file is in the way)`, {
    cause,
  });

/**
 * Creates a new directory for a received folder directly in `dir`, named like
 * openDownloadTarget names files ("photos", "photos (1)" ...), mode 0700, and returns its path.
 */
export async function makeDownloadFolder(
  dir: string,
  displayName: string,
  cursor?: NameCursor,
): Promise<string> {
  const folder = resolve(dir);
  const name = safeDisplayName(displayName);
  let n = cursor?.get(name) ?? 0;
  for (const candidate of nameCandidates(name, n)) {
    const path = inside(folder, candidate);
    try {
      await mkdir(path, { mode: 0o700 });
      cursor?.set(name, n + 1);
      return path;
    } catch (err) {
      if (!isTaken(err)) throw ioError(`download: cannot create a folder in ${folder}`, err);
    }
    n++;
  }
  throw noFreeName(name);
}

/**
 * Creates the file of folder entry `relativePath` (checked by checkRelativePath: E_FILE_BAD_PATH)
 * under `root` (a folder from makeDownloadFolder), making its parent directories (0700). Throws
 * E_FILE_BAD_PATH when a parent exists as anything but a real directory (a planted symlink) or
 * the entry exists already (a duplicate entry, or two names one case-insensitive file system
 * takes for the same). The check of each parent and the next step are two calls, so someone
 * who can write inside `root` meanwhile could still swap a directory for a link: `root` is new
 * and the user's own.
 */
export async function openFolderEntry(root: string, relativePath: string): Promise<DownloadTarget> {
  const segments = checkRelativePath(relativePath);
  let current = resolve(root);
  for (const segment of segments.slice(0, -1)) {
    current = inside(current, segment);
    await mkdir(current, { mode: 0o700 }).catch((err: unknown) => {
      if (codeOf(err) !== 'EEXIST') throw ioError(`download: cannot create ${current}`, err);
    });
    const stats = await lstat(current);
    if (!stats.isDirectory()) {
      throw filesError(FilesCode.BadPath, `download: ${current} is not a directory`);
    }
  }
  const path = inside(current, segments[segments.length - 1]!);
  try {
    return { path, handle: await open(path, CREATE_NEW, FILE_MODE) };
  } catch (err) {
    if (isTaken(err)) {
      throw filesError(FilesCode.BadPath, `download: ${path} exists already`, { cause: err });
    }
    throw ioError(`download: cannot create ${path}`, err);
  }
}

/** The in-progress file of transfer `transferIdHex` in `dir`: `.natter-<hex>.part`. */
export function tempPathFor(dir: string, transferIdHex: string): string {
  if (typeof transferIdHex !== 'string' || !TRANSFER_ID_HEX.test(transferIdHex)) {
    throw filesError(
      FilesCode.BadPath,
      'download: a transfer id must be 16 to 64 lowercase hex digits',
    );
  }
  // safeDisplayName strips leading dots, so no received name can ever collide with this one.
  return inside(resolve(dir), `.natter-${transferIdHex}.part`);
}

/**
 * Opens (creating if needed) the in-progress file of a transfer for reading and writing,
 * refusing a symlink (E_FILE_BAD_PATH) or anything but a regular file there. `size` is what it
 * already holds, where a resumed download continues.
 */
export async function openPartFile(
  dir: string,
  transferIdHex: string,
): Promise<{ path: string; handle: FileHandle; size: number }> {
  const path = tempPathFor(dir, transferIdHex);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_PART, FILE_MODE);
  } catch (err) {
    if (codeOf(err) === 'ELOOP') {
      throw filesError(FilesCode.BadPath, `download: ${path} is a symbolic link`, { cause: err });
    }
    throw ioError(`download: cannot open ${path}`, err);
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw filesError(FilesCode.BadPath, `download: ${path} is not a regular file`);
  }
  return { path, handle, size: stats.size };
}

/**
 * Gives the verified in-progress file at `tempPath` (directly in `dir`) its final name there:
 * the first free one of "name.ext", "name (1).ext" ... for `displayName`, and returns that
 * path. Never overwrites: link() fails with EEXIST whatever exists at the new name (a symlink
 * included, which it never follows), so the name is claimed atomically, and the temporary name
 * is unlinked after. A crash in between leaves the file under both names; the .part one is
 * removed with the transfer. Where the file system has no hard links, the name is first
 * reserved with an O_EXCL create and then replaced by rename(), which swaps the directory
 * entry and never writes through a link, even if someone swapped the reservation meanwhile.
 */
export async function finalizeDownload(
  tempPath: string,
  dir: string,
  displayName: string,
  options: FinalizeOptions = {},
): Promise<string> {
  const folder = resolve(dir);
  const source = resolve(tempPath);
  if (dirname(source) !== folder) {
    throw filesError(FilesCode.BadPath, `download: ${source} is not directly in ${folder}`);
  }
  const stats = await lstat(source).catch((err: unknown) => {
    throw ioError(`download: cannot find ${source}`, err);
  });
  if (!stats.isFile()) {
    throw filesError(FilesCode.BadPath, `download: ${source} is not a regular file`);
  }
  const name = safeDisplayName(displayName);
  if (options.hardLink === false) return renameIntoReserved(source, folder, name);
  for (const candidate of nameCandidates(name)) {
    const target = inside(folder, candidate);
    try {
      await link(source, target);
    } catch (err) {
      if (isTaken(err)) continue;
      if (NO_HARD_LINKS.has(codeOf(err) ?? '')) return renameIntoReserved(source, folder, name);
      throw ioError(`download: cannot name ${source} in ${folder}`, err);
    }
    await unlink(source).catch((err: unknown) => {
      throw ioError(`download: saved as ${target}, but cannot remove ${source}`, err);
    });
    return target;
  }
  throw noFreeName(name);
}

/** The fallback of finalizeDownload: an O_EXCL reservation, then rename over it. */
async function renameIntoReserved(source: string, folder: string, name: string): Promise<string> {
  const { path, handle } = await openDownloadTarget(folder, name);
  await handle.close();
  try {
    await rename(source, path);
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw ioError(`download: cannot rename ${source} to ${path}`, err);
  }
  return path;
}

/** join(folder, name), checked to be an entry directly in folder (never a nested or outer path). */
function inside(folder: string, name: string): string {
  const path = join(folder, name);
  if (dirname(path) !== folder || basename(path) !== name) {
    throw filesError(FilesCode.BadPath, `download: ${JSON.stringify(name)} is not a plain name`);
  }
  return path;
}

/** Something exists at the name (EEXIST), or it is a symlink O_NOFOLLOW refused (ELOOP). */
function isTaken(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'EEXIST' || code === 'ELOOP';
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(message: string, cause: unknown): Error {
  return filesError(FilesCode.Io, `${message}: ${codeOf(cause) ?? String(cause)}`, { cause });
}
