/**
 * `startRelay`: the relay's start (server.ts), and what one that fails leaves behind.
 * A start that failed (a busy port, an unreachable cluster) used to leave the data dir it
 * had made holding a relay key and a store (QA, seventeenth sitting), so that the retry
 * on a free port was no first start: it kept a relay id that no client had seen, and did
 * not say it was new. What the failed start added to the data dir is removed: the dir
 * itself (and the parents it made) if it was new, else the files it created (an existing
 * relay's key and store stay as they were). Not when the store was locked: then another
 * relay holds the dir, and what appeared in it is that relay's.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isNatterError } from '../util/errors.js';
import { RelayFailureCode } from './errors.js';
import type { RelayOptions, RunningRelay } from './relay-options.js';
import { openRelay } from './server.js';

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const before = await dataDirBefore(options.dataDir);
  try {
    return await openRelay(options);
  } catch (err) {
    if (!isNatterError(err, RelayFailureCode.Locked)) await before.restore().catch(() => undefined);
    throw err;
  }
}

/** The data dir as a start found it: how to take it back there. */
async function dataDirBefore(dataDir: string): Promise<{ restore(): Promise<void> }> {
  const dir = resolve(dataDir);
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? null : err,
  );
  // Unreadable: the start fails there itself, saying why (store/open-cause.ts).
  if (entries instanceof Error) return { restore: async () => undefined };
  if (entries === null) {
    // The highest directory the start will make (mkdir -p): removed whole.
    let made = dir;
    while (dirname(made) !== made && !(await exists(dirname(made)))) made = dirname(made);
    return { restore: () => rm(made, { recursive: true, force: true }) };
  }
  const found = new Set(entries);
  return {
    async restore() {
      for (const name of await readdir(dir)) {
        if (!found.has(name)) await rm(join(dir, name), { recursive: true, force: true });
      }
    },
  };
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
