/**
 * What `natter init` found where the profile goes, so that an init refused before the
 * profile is of any use (a name the relay refuses, several relays and none chosen, a
 * failure while creating it) leaves the place as it was: the retry is a first init, not
 * E_PROFILE_EXISTS beside a config.json, db/ and natter.log nobody asked for (QA trial).
 */
import { chmod, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProfilePaths } from '../peer/index.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Puts the profile's place back as it was found. Close the client and the log first. */
export interface InitUndo {
  undo(): Promise<void>;
}

/**
 * Looks before init writes anything. A directory init creates (with any parents
 * mkdir -p makes) is removed whole; in one that was there, only the entries init added
 * go, a config.json it changed gets its old bytes back, a natter.log its old length, and
 * the directory its old mode (ensureProfileDir makes it 0700).
 */
export async function beforeInit(paths: ProfilePaths): Promise<InitUndo> {
  const made = await firstMissing(paths.dir);
  if (made !== undefined) return { undo: () => rm(made, { recursive: true, force: true }) };
  const mode = (await stat(paths.dir)).mode & 0o7777;
  const entries = new Set(await readdir(paths.dir));
  const config = await readFile(paths.config).catch(() => undefined);
  const logBytes = await stat(paths.log).then(
    (s) => s.size,
    () => undefined,
  );
  return {
    undo: async () => {
      for (const entry of await readdir(paths.dir)) {
        if (!entries.has(entry)) await rm(join(paths.dir, entry), { recursive: true, force: true });
      }
      if (config !== undefined) await writeFileAtomic(paths.config, config);
      if (logBytes !== undefined) await truncate(paths.log, logBytes);
      await chmod(paths.dir, mode);
    },
  };
}

/** The outermost of `dir` and its parents that does not exist yet, or undefined if `dir` does. */
async function firstMissing(dir: string): Promise<string | undefined> {
  let missing: string | undefined;
  for (let at = dir; ; at = dirname(at)) {
    if (await exists(at)) return missing;
    missing = at;
    if (dirname(at) === at) return missing;
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
