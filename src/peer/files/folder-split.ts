/**
 * A received folder, from its verified stream to files (docs/files.md "The offer"): every
 * entry's path is checked (checkRelativePath) before anything is created, then the folder is
 * made with a name the receiver chooses (makeDownloadFolder) and each entry's bytes are copied
 * out of the part file into a file created O_EXCL|O_NOFOLLOW under it (openFolderEntry). The
 * part file goes last, so a failure leaves it for a retry and never a half folder posing as whole.
 */
import { open, unlink } from 'node:fs/promises';
import type { FileEntry } from '../../wire/types.js';
import { finalizeDownload, makeDownloadFolder, openFolderEntry } from './download-path.js';
import { checkRelativePath } from './safe-name.js';

/** Bytes copied per read: large reads, bounded memory. */
export const COPY_BYTES = 1024 * 1024;

/** Throws E_FILE_BAD_PATH unless every entry's path is safe; nothing is created. */
export function checkEntries(entries: readonly FileEntry[]): void {
  for (const e of entries) checkRelativePath(e.path);
}

/** Names the verified part file in `dir`: as the one file offered, or split into its folder. */
export function saveReceived(
  partPath: string,
  dir: string,
  { name, entries }: { name: string; entries: readonly FileEntry[] },
): Promise<string> {
  return entries.length === 0
    ? finalizeDownload(partPath, dir, name)
    : saveFolder(partPath, dir, name, entries);
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
  const source = await open(partPath, 'r');
  const buf = new Uint8Array(COPY_BYTES);
  try {
    let at = 0;
    for (const entry of entries) {
      const target = await openFolderEntry(root, entry.path);
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
  return root;
}
