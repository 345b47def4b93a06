/**
 * A received folder, from its verified stream to files (docs/files.md "The offer"): every
 * entry's path is checked (checkRelativePath) before anything is created, then the folder is
 * made with a name the receiver chooses (makeDownloadFolder) and each entry's bytes are copied
 * out of the part file into a file created O_EXCL|O_NOFOLLOW under it (openFolderEntry). The
 * part file goes last, so a failure leaves it for a retry and never a half folder posing as whole.
 */
import { open, unlink } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { FileEntry } from '../../wire/types.js';
import {
  type DownloadTarget,
  finalizeDownload,
  makeDownloadFolder,
  openDownloadTarget,
  openFolderEntry,
} from './download-path.js';
import type { IncomingRecord } from './records.js';
import { checkRelativePath } from './safe-name.js';

/** Bytes copied per read: large reads, bounded memory. */
export const COPY_BYTES = 1024 * 1024;

/** Throws E_FILE_BAD_PATH unless every entry's path is safe; nothing is created. */
export function checkEntries(entries: readonly FileEntry[]): void {
  for (const e of entries) checkRelativePath(e.path);
}

/**
 * Names the verified part file in the download's folder: as the one file offered, split
 * into its folder, or (several paths sent at once) split into the folder itself; records
 * what it saved in `r.savedAs` (the file, the folder, or for several the download folder,
 * with `savedItems` the names each item got there).
 */
export async function saveReceived(
  partPath: string,
  r: Pick<IncomingRecord, 'dir' | 'offer' | 'savedAs' | 'savedItems'>,
): Promise<void> {
  const { offer: o } = r;
  const dir = r.dir!;
  if (o.entries.length === 0) r.savedAs = await finalizeDownload(partPath, dir, o.name);
  else if (o.several !== true) r.savedAs = await saveFolder(partPath, dir, o.name, o.entries);
  else {
    const saved = await saveSeveral(partPath, dir, o.entries);
    r.savedAs = saved.dir;
    r.savedItems = saved.items;
  }
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
): Promise<{ dir: string; items: string[] }> {
  checkEntries(entries);
  const folders = new Map<string, string>();
  /** What each item was saved as in `dir`, in stream order: `report (1).pdf`, `scans/`. */
  const items: string[] = [];
  await split(partPath, entries, async (entry) => {
    const slash = entry.path.indexOf('/');
    if (slash < 0) {
      const target = await openDownloadTarget(dir, entry.path);
      items.push(basename(target.path));
      return target;
    }
    const top = entry.path.slice(0, slash);
    let root = folders.get(top);
    if (root === undefined) {
      root = await makeDownloadFolder(dir, top);
      folders.set(top, root);
      items.push(`${basename(root)}/`);
    }
    return openFolderEntry(root, entry.path.slice(slash + 1));
  });
  return { dir: resolve(dir), items };
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
