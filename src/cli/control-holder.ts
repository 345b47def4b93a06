/**
 * A watcher never stands in the user's way (docs/decisions.md, "who --watch steps
 * aside"). A `natter who --watch` that holds the profile (its own client, the store's
 * lock) serves the control socket as a running client does, so `send`, `who` and a
 * second watcher act through it, and answers two kinds more (a client answers `holder` with
 * its own name, control.ts, or refuses it if older, and refuses `step-aside`):
 *
 *   {"op":"holder"}      -> {"ok":true,"holder":"who --watch","pid":N}
 *   {"op":"step-aside"}  -> {"ok":true}; its watchers get {"event":"control:step-aside"},
 *                           and once the asker hangs up the watcher lets the profile go
 *
 * A command that opens the profile itself (`natter chat`, a file send) asks first
 * (openBesideWatcher), so it never waits for a watcher's lock.
 */
import { isNatterError, NatterError } from '../util/errors.js';
import type { ControlDispatch, ControlSession } from './control.js';
import { ControlClient } from './control-client.js';

export const WATCHER_HOLDER = 'who --watch';

/** The event a watcher's own watchers get when it steps aside: look for the next holder. */
export const STEP_ASIDE_EVENT = 'control:step-aside';

export interface Holder {
  holder: string;
  pid: number;
}

/**
 * A watcher's dispatch: the client's kinds (`inner`), and `holder` and `step-aside`.
 * `stepAside` runs when the asker's connection closes (it has its answer, and opens the
 * profile next), so the watcher's socket is gone before the asker serves its own.
 */
export function watcherDispatch(inner: ControlDispatch, stepAside: () => void): ControlDispatch {
  const watchers = new Set<ControlSession>();
  return async (raw, session) => {
    if (raw.op === 'holder') return { holder: WATCHER_HOLDER, pid: process.pid };
    if (raw.op === 'step-aside') {
      for (const w of watchers) w.write({ event: STEP_ASIDE_EVENT });
      session.onClose(stepAside);
      return {};
    }
    if (raw.op === 'watch') {
      watchers.add(session);
      session.onClose(() => watchers.delete(session));
    }
    return inner(raw, session);
  };
}

/**
 * Connects to the profile's control socket and asks who serves it: null when no one does;
 * `watcher` null for a client (it names itself otherwise, or refuses the question). The question is a probe too: a
 * holder that accepts and does not answer (stopped, hung) is named now, E_PROFILE_IN_USE
 * (holder-file.ts), before a request that may wait long (a send waits for the relay).
 */
export async function askHolder(socketPath: string, profileDir: string) {
  let control: ControlClient;
  try {
    control = await ControlClient.connect(socketPath, profileDir);
  } catch (err) {
    if (isNatterError(err, 'E_NOT_RUNNING')) return null;
    throw err;
  }
  try {
    const answer = (await control.request({ op: 'holder', heartbeat: true })) as {
      ok: boolean;
      heartbeatMs?: unknown;
    } & Partial<Holder>;
    // A holder that beats (control-beat.ts): silence from it later is a holder stopped or hung.
    const beat = answer.ok ? answer.heartbeatMs : undefined;
    if (typeof beat === 'number' && Number.isFinite(beat) && beat > 0) control.expectBeats(beat);
    const watcher =
      answer.ok && answer.holder === WATCHER_HOLDER && typeof answer.pid === 'number'
        ? { holder: answer.holder, pid: answer.pid }
        : null;
    return { control, watcher };
  } catch (err) {
    // Closed unanswered: it was going (killed as we connected: its backlog went with it).
    const going = control.closed && isNatterError(err, 'E_CONTROL');
    control.close();
    if (going) return null;
    throw err;
  }
}

/** Who serves this profile's control socket, when it says: a watcher; null for none or a client. */
export async function watcherHolding(socketPath: string, profileDir: string) {
  const found = await askHolder(socketPath, profileDir);
  // Kept open only when a watcher answers: the caller may ask it to step aside.
  if (found?.watcher == null) {
    found?.control.close();
    return null;
  }
  return { control: found.control, ...found.watcher };
}

/**
 * Opens the profile with `open`, a watcher holding it asked to step aside first; one that
 * does not let go in time (an older natter) is named in the E_PROFILE_IN_USE.
 */
export async function openBesideWatcher<T>(
  socketPath: string,
  profileDir: string,
  open: () => Promise<T>,
): Promise<T> {
  // One that does not answer (stopped, hung) will not let go either: said at once.
  const watcher = await watcherHolding(socketPath, profileDir).catch((err: unknown) => {
    if (isNatterError(err, 'E_PROFILE_IN_USE')) throw err;
    return null;
  });
  if (watcher !== null) {
    try {
      await watcher.control.request({ op: 'step-aside' });
    } finally {
      watcher.control.close();
    }
  }
  try {
    return await open();
  } catch (err) {
    if (!isNatterError(err, 'E_PROFILE_IN_USE')) throw err;
    const still = await watcherHolding(socketPath, profileDir).catch(() => null);
    if (still === null) throw err;
    still.control.close();
    throw new NatterError(
      'E_PROFILE_IN_USE',
      `profile ${profileDir} is in use by natter ${still.holder} (pid ${still.pid}): stop it first`,
      { cause: err },
    );
  }
}
