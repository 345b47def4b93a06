/**
 * Who serves a profile's control socket, written beside it while it does (`control.json`:
 * `{"pid":N,"holder":"who --watch"}`). A holder stopped (SIGSTOP, Ctrl-Z) or hung still
 * accepts connections, the kernel does that for it, but answers nothing, and keeps the
 * profile's lock: a command can then only say who it is if the holder said so earlier. Node
 * cannot read a Unix socket peer's pid, and the lock file (LevelDB's LOCK) holds none, so
 * the holder writes it (docs/decisions.md, "who --watch: four things the trials left").
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { CliCode, cliError } from './errors.js';

export const HOLDER_FILE_NAME = 'control.json';

/** What a long-running client (not a watcher) writes as its `holder`. */
export const CLIENT_HOLDER = 'chat or inbox --follow';

export interface HolderFile {
  pid: number;
  /** The command, as `natter <holder>` names it: `who --watch`, CLIENT_HOLDER. */
  holder: string;
}

/** Written once the socket listens; the caller holds the profile's lock. */
export async function writeHolderFile(profileDir: string, holder: string): Promise<void> {
  const file: HolderFile = { pid: process.pid, holder };
  await writeFileAtomic(join(profileDir, HOLDER_FILE_NAME), `${JSON.stringify(file)}\n`);
}

/** Removed with the socket, before the lock goes: never the next holder's. */
export async function removeHolderFile(profileDir: string): Promise<void> {
  await rm(join(profileDir, HOLDER_FILE_NAME), { force: true });
}

/**
 * What the holder wrote; null when it wrote nothing (an older natter), the file is not
 * one of ours, or its process is gone (a crashed holder's file, the socket since served by
 * one that wrote none).
 */
export async function readHolderFile(profileDir: string): Promise<HolderFile | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(profileDir, HOLDER_FILE_NAME), 'utf8'));
  } catch {
    return null;
  }
  const { pid, holder } = (parsed ?? {}) as Partial<Record<keyof HolderFile, unknown>>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
  if (typeof holder !== 'string' || !/^[a-z -]{1,40}$/.test(holder)) return null;
  try {
    // Signal 0 only asks: ESRCH gone; EPERM another user's, so the pid was reused.
    process.kill(pid as number, 0);
  } catch {
    return null;
  }
  return { pid: pid as number, holder };
}

/** The holder of `profileDir`'s control socket, as a line says it: `natter who --watch (pid N)`. */
export async function holderName(profileDir: string): Promise<string> {
  const found = await readHolderFile(profileDir);
  return found === null ? 'the new running client' : `natter ${found.holder} (pid ${found.pid})`;
}

/**
 * The holder of `profileDir`'s control socket accepted and did not answer within
 * `waitedMs`: E_PROFILE_IN_USE, as for a holder that does not let go, naming it from
 * its file and saying how to go on.
 */
export async function notAnswering(profileDir: string, waitedMs: number) {
  const found = await readHolderFile(profileDir);
  const within = `within ${waitedMs / 1000} s (stopped or hung)`;
  const message =
    found === null
      ? `profile ${profileDir} is in use by a natter process that did not answer on its control socket ${within}: resume it or end it, and try again`
      : `profile ${profileDir} is in use by natter ${found.holder} (pid ${found.pid}), which did not answer ${within}: resume it (kill -CONT ${found.pid}, or fg in its shell) and try again, or end it (kill -KILL ${found.pid})`;
  return cliError(CliCode.ProfileInUse, message);
}

/**
 * The holder this command was attached to (a watch, an inbox --follow, a send waiting for
 * the relay) stopped answering, its heartbeats (control-beat.ts) silent for `silentMs`:
 * E_PROFILE_IN_USE, since it still holds the profile and this command cannot go on alone.
 */
export async function stoppedAnswering(profileDir: string, silentMs: number) {
  const found = await readHolderFile(profileDir);
  const within = `has said nothing for ${silentMs / 1000} s (stopped or hung)`;
  const message =
    found === null
      ? `the natter process holding profile ${profileDir}, through which this command ran, ${within}: resume it or end it, and run this again`
      : `natter ${found.holder} (pid ${found.pid}), holding profile ${profileDir}, through which this command ran, ${within}: resume it (kill -CONT ${found.pid}, or fg in its shell) and run this again, or end it (kill -KILL ${found.pid})`;
  return cliError(CliCode.ProfileInUse, message);
}
