/**
 * The file descriptors this process holds open on `path` (Linux: /proc/self/fd), to show a
 * file was closed rather than left to the garbage collector; null where /proc is missing.
 */
import { readdirSync, readlinkSync } from 'node:fs';

export function openFdsTo(path: string): string[] | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  return fds.filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed meanwhile (the directory's own fd among them)
    }
  });
}
