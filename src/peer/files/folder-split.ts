/**
 * A received folder, from its verified stream to files (docs/files.md "The offer"): the entry
 * list is checked whole (offer-entries.ts: every path safe, none twice, none both a file and a
 * folder, case-folded where the download folder's file system folds case) before anything is
 * created, then the folder is made with a name the receiver chooses (makeDownloadFolder) and
 * each entry's bytes are copied out of the part file into a file created O_EXCL|O_NOFOLLOW
 * under it (openFolderEntry). A save that fails removes what it made and the part file, so
 * there is never a half folder posing as whole, and accepting again adds no `d (1)`.
 */
import { lstat, open, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { FileEntry } from '../../wire/types.js';
import {
  type DownloadTarget,
  finalizeDownload,
  makeDownloadFolder,
  type NameCursor,
  openDownloadTarget,
  openFolderEntry,
} from './download-path.js';
import { checkOfferEntries, type EntryCheckOptions } from './offer-entries.js';
import type { IncomingRecord } from './records.js';

/** Bytes copied per read: large reads, bounded memory. */
export const COPY_BYTES = 1024 * 1024;

/**
 * Names the verified part file in the download's folder: as the one file offered, split
 * into its folder, or (several paths sent at once) split into the folder itself; records
 * what it saved in `r.savedAs` (the file, the folder, or for several the download folder,
 * with `savedItems` the names each item got there). On failure, what this save created and
 * the part file are removed (the download is fetched again if accepted again).
 */
export async function saveReceived(
  partPath: string,
  r: Pick<IncomingRecord, 'dir' | 'offer' | 'savedAs' | 'savedItems'>,
): Promise<void> {
  const { offer: o } = r;
  const dir = r.dir!;
  /** Top-level files and folders this save created in `dir`. */
  const made: string[] = [];
  try {
    if (o.entries.length === 0) {
      r.savedAs = await finalizeDownload(partPath, dir, o.name);
      return;
    }
    const check = { fold: await foldsCase(partPath) };
    if (o.several !== true)
      r.savedAs = await saveFolder(partPath, dir, o.name, o.entries, check, made);
    else {
      const saved = await saveSeveral(partPath, dir, o.entries, check, made);
      r.savedAs = saved.dir;
      r.savedItems = saved.items;
    }
  } catch (err) {
    for (const path of made.reverse()) {
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
    }
    await unlink(partPath).catch(() => undefined);
    throw err;
  }
}

/**
 * True when the file system holding `path` takes its name in capitals for the same file
 * (APFS and NTFS by default): the part file's own name, `.natter-<hex>.part`, is the probe.
 */
export async function foldsCase(path: string): Promise<boolean> {
  const upper = join(dirname(path), basename(path).toUpperCase());
  if (upper === path) return false;
  const [mine, other] = await Promise.all([lstat(path), lstat(upper).catch(() => null)]);
  return other !== null && other.ino === mine.ino && other.dev === mine.dev;
}

/**
 * Splits the verified stream at `partPath` into folder `name` in `dir`; returns the folder,
 * also pushed on `made` as soon as it exists.
 */
export async function saveFolder(
  partPath: string,
  dir: string,
  name: string,
  entries: readonly FileEntry[],
  check: EntryCheckOptions = {},
  made: string[] = [],
): Promise<string> {
  checkOfferEntries(entries, false, check);
  const root = await makeDownloadFolder(dir, name);
  made.push(root);
  await split(partPath, entries, (entry) => openFolderEntry(root, entry.path));
  return root;
}

/**
 * Several paths sent at once (FileOffer.several): each top-level entry lands in `dir` on
 * its own, a file as `report.pdf` (or `report (1).pdf`: never overwriting), a folder's
 * entries under a new folder of its name, as a single file or folder is saved; not all in
 * a folder named "a.pdf and 1 more" (a new-user trial). Items of one name are named on from
 * where the last one's name was found (NameCursor), never by trying every taken name again.
 * Returns `dir`; each item created is pushed on `made`.
 */
export async function saveSeveral(
  partPath: string,
  dir: string,
  entries: readonly FileEntry[],
  check: EntryCheckOptions = {},
  made: string[] = [],
): Promise<{ dir: string; items: string[] }> {
  checkOfferEntries(entries, true, check);
  const folders = new Map<string, string>();
  const cursor: NameCursor = new Map();
  /** What each item was saved as in `dir`, in stream order: `report (1).pdf`, `scans/`. */
  const items: string[] = [];
  await split(partPath, entries, async (entry) => {
    const slash = entry.path.indexOf('/');
    if (slash < 0) {
      const target = await openDownloadTarget(dir, entry.path, cursor);
      made.push(target.path);
      items.push(basename(target.path));
      return target;
    }
    const top = entry.path.slice(0, slash);
    let root = folders.get(top);
    if (root === undefined) {
      root = await makeDownloadFolder(dir, top, cursor);
      made.push(root);
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
