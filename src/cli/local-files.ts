/**
 * The chat screen's view of the local file system (issue 12: Tab completes /send's
 * paths): one folder's names at a time, read here because the screen reads no disk
 * itself (src/peer/ui/path-completion.ts).
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DirEntry, LocalFiles } from '../peer/ui/index.js';

export function localFiles(): LocalFiles {
  return { home: homedir(), listDir, absolute: (path) => resolve(path) };
}

function listDir(dir: string): DirEntry[] {
  const path = resolve(dir === '' ? '.' : dir);
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.map((e) => ({
    name: e.name,
    // A link to a folder completes like the folder.
    folder: e.isDirectory() || (e.isSymbolicLink() && isFolder(join(path, e.name))),
  }));
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
