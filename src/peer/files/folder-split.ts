/**
 * A received folder, from its verified stream to files (docs/files.md "The offer"): every
 * entry's path is checked (checkRelativePath) before anything is created, then the folder is
 * made with a name the receiver chooses (makeDownloadFolder) and each entry's bytes are copied
 * out of the part file into a file created O_EXCL|O_NOFOLLOW under it (openFolderEntry). The
 * part file goes last, so a failure leaves it for a retry and never a half folder posing as whole.
 */
import { open, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FileEntry } from '../../wire/types.js';
import {
  type DownloadTarget,
  finalizeDownload,
  makeDownloadFolder,
  openDownloadTarget,
  openFolderEntry,
} from './download-path.js';
import { checkRelativePath } from './safe-name.js';

/** Bytes copied per read: large reads, bounded memory. */
export const COPY_BYTES = 1024 * 1024;

/** Throws E_FILE_BAD_PATH unless every entry's path is safe; nothing is created. */
export function checkEntries(entries: readonly FileEntry[]): void {
  for (const e of entries) checkRelativePath(e.path);
}

/**
 * Names the verified part file in `dir`: as the one file offered, split into its folder,
 * or (several paths sent at once) split into `dir` itself. Returns what it saved: the
 * file, the folder, or for several `dir`.
 */
export function saveReceived(
  partPath: string,
  dir: string,
  o: { name: string; entries: readonly FileEntry[]; several?: boolean },
): Promise<string> {
  if (o.entries.length === 0) return finalizeDownload(partPath, dir, o.name);
  if (o.several === true) return saveSeveral(partPath, dir, o.entries);
  return saveFolder(partPath, dir, o.name, o.entries);
}

/** Splits the verified stream at `partPath` into folder `name` in `dir`; returns the folder. */
export async function saveFolder(
  partPath: string,
  dir: string,
  name: string,
  entries: readonly FileEntry[],
): Promise<string> {
  checkEntries(entries);
  const root = await makeDownloadFolder(dir, name);
  await split(partPath, entries, (entry) => openFolderEntry(root, entry.path));
  return root;
}

/**
 * Several paths sent at once (FileOffer.several): each top-level entry lands in `dir` on
 * its own, a file as `report.pdf` (or `report (1).pdf`: never overwriting), a folder's
 * entries under a new folder of its name, as a single file or folder is saved; not all in
 * a folder named "a.pdf and 1 more" (a new-user trial). Returns `dir`.
 */
export async function saveSeveral(
  partPath: string,
  dir: string,
  entries: readonly FileEntry[],
): Promise<string> {
  checkEntries(entries);
  const folders = new Map<string, string>();
  await split(partPath, entries, async (entry) => {
    const slash = entry.path.indexOf('/');
    if (slash < 0) return openDownloadTarget(dir, entry.path);
    const top = entry.path.slice(0, slash);
    let root = folders.get(top);
    if (root === undefined) {
      root = await makeDownloadFolder(dir, top);
      folders.set(top, root);
    }
    return openFolderEntry(root, entry.path.slice(slash + 1));
  });
  return resolve(dir);
}

/** Copies each entry's bytes, in stream order, to the file `create` makes for it; then removes the part file. */
async function split(
  partPath: string,
  entries: readonly FileEntry[],
  create: (entry: FileEntry) => Promise<DownloadTarget>,
): Promise<void> {
  const source = await open(partPath, 'r');
  const buf = new Uint8Array(COPY_BYTES);
  try {
    let at = 0;
    for (const entry of entries) {
      const target = await create(entry);
      try {
        let left = entry.size;
        while (left > 0) {
          const { bytesRead } = await source.read(buf, 0, Math.min(left, COPY_BYTES), at);
          if (bytesRead === 0) throw new Error(`download: the stream ended inside ${entry.path}`);
          let written = 0;
          while (written < bytesRead) {
            written += (await target.handle.write(buf, written, bytesRead - written)).bytesWritten;
          }
          at += bytesRead;
          left -= bytesRead;
        }
        await target.handle.sync();
      } finally {
        await target.handle.close();
      }
    }
  } finally {
    await source.close();
  }
  await unlink(partPath);
}
