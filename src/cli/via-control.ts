/**
 * Commands beside a running client (issue 13 item 3; docs/decisions.md, "Issue 13:
 * commands beside a running client"). While `natter chat` or `natter inbox
 * --follow` runs on a profile it holds the profile's lock, and `send`, `inbox`,
 * `history`, `outbox`, `group`, `contacts`, `fingerprint`, `trust` and the file
 * commands (control-files.ts) act through its control socket
 * instead of failing E_PROFILE_IN_USE. With no client running they open the
 * profile themselves and run the same handler (control-ops.ts) in-process, so
 * what they print is the same either way. No passphrase is needed through the
 * socket: the running client has unlocked the key, and the socket is its owner's
 * alone (control.ts).
 */
import { NatterError } from '../util/errors.js';
import {
  type CliContext,
  InterruptedError,
  type OpenClientOptions,
  UsageError,
} from './context.js';
import { controlSocketPath } from './control.js';
import type { ControlClient } from './control-client.js';
import { askHolder, watcherHolding } from './control-holder.js';
import {
  type ControlOp,
  type ControlOps,
  type ControlTarget,
  runControlOp,
} from './control-ops.js';
import { CliCode, cliError } from './errors.js';

/**
 * This profile's running client, or null when none listens on its control socket.
 * `notWatcher`: null too when the holder is a `who --watch` (control-holder.ts): a
 * long-running client (`inbox --follow`) holds the profile itself, the watcher asked
 * to step aside, rather than act through a watcher that announces no one.
 */
export async function runningClient(
  ctx: CliContext,
  options: { notWatcher?: boolean } = {},
): Promise<ControlClient | null> {
  // Asked first: a holder that accepts and does not answer is named at once (askHolder).
  const found = await askHolder(controlSocketPath(ctx.paths.dir), ctx.paths.dir);
  if (found !== null && options.notWatcher && found.watcher !== null) {
    found.control.close();
    return null;
  }
  return found?.control ?? null;
}

/**
 * One request through the running client; its refusal is rethrown as the same
 * error the command would have thrown alone (E_USAGE exits 2, as alone).
 * `timeoutMs` null: as long as the connection lasts.
 */
export async function callControl<K extends ControlOp>(
  control: ControlClient,
  op: K,
  request: ControlOps[K]['request'],
  timeoutMs?: number | null,
): Promise<ControlOps[K]['answer']> {
  const answer = (await control.request(
    { op, ...request } as Parameters<ControlClient['request']>[0],
    timeoutMs,
  )) as unknown as { ok: boolean; code?: unknown; message?: unknown };
  if (answer.ok === true) {
    const { ok: _ok, ...fields } = answer;
    return fields as ControlOps[K]['answer'];
  }
  const code = typeof answer.code === 'string' ? answer.code : 'E_CONTROL';
  const message = typeof answer.message === 'string' ? answer.message : 'control: refused';
  if (code === 'E_USAGE') throw new UsageError(message);
  if (code === 'E_INTERRUPTED') throw new InterruptedError(message);
  throw new NatterError(code, message);
}

/** A session for a handler run in-process: nothing streams, nothing to close. */
const inProcess = { write: () => undefined, onClose: () => undefined };

/**
 * Runs a one-answer request kind through the running client if there is one,
 * else on this command's own client (opened without a relay).
 */
export async function perform<K extends Exclude<ControlOp, `inbox.${string}` | 'watch'>>(
  ctx: CliContext,
  op: K,
  request: ControlOps[K]['request'],
): Promise<ControlOps[K]['answer']> {
  return (await performTelling(ctx, op, request)).answer;
}

/**
 * perform(), telling whether a running client answered (`running`): what stopped with no
 * client running is paused, not waiting for the relay (`natter outbox`). `open`: how the
 * profile's own client is opened when none runs (`outbox cancel` connects it afterwards).
 */
export async function performTelling<K extends Exclude<ControlOp, `inbox.${string}` | 'watch'>>(
  ctx: CliContext,
  op: K,
  request: ControlOps[K]['request'],
  open: OpenClientOptions = {},
): Promise<{ answer: ControlOps[K]['answer']; running: boolean }> {
  const control = await runningClient(ctx);
  if (control === null) {
    const client: ControlTarget = await ctx.openClient(open);
    return { answer: await runControlOp(op, client, request, inProcess), running: false };
  }
  try {
    return { answer: await callControl(control, op, request), running: true };
  } finally {
    control.close();
  }
}

/**
 * `natter chat` on a profile whose client runs already: said before any
 * passphrase is asked for (issue 13 item 3). A client without a control socket
 * (a `natter send` in progress) is found by the lock, after the prompt, as before.
 * A `who --watch` holding the profile is no client: it steps aside when the chat
 * opens the profile (control-holder.ts).
 */
export async function refuseIfRunning(ctx: CliContext): Promise<void> {
  await refuseBesideRunning(ctx, 'chat', 'use that one, or stop it first', { stepsAside: true });
}

/**
 * What cannot be done beside a running client, said before anything is asked or
 * changed: a second chat, and changes to the login itself that the running client
 * would undo (`rename`: it is logged in under the old name; `config set relay`:
 * it saves the address it connected to). docs/decisions.md, "Issue 13: commands
 * beside a running client". A watcher holding the profile: `stepsAside`, the
 * command opens the profile and asks it to (a rename); else it is named.
 */
export async function refuseBesideRunning(
  ctx: CliContext,
  command: string,
  instead: string,
  options: { stepsAside?: boolean } = {},
): Promise<void> {
  const dir = ctx.paths.dir;
  const watcher = await watcherHolding(controlSocketPath(dir), dir);
  if (watcher !== null) {
    watcher.control.close();
    if (options.stepsAside) return;
    throw cliError(
      CliCode.ProfileInUse,
      `${command}: profile ${dir} is in use by natter ${watcher.holder} (pid ${watcher.pid}), which would undo it: stop it first`,
    );
  }
  const control = await runningClient(ctx);
  if (control === null) return;
  control.close();
  throw cliError(
    CliCode.ProfileInUse,
    `${command}: a natter client (natter chat or natter inbox --follow) is already running on profile ${dir}; ${instead} (natter send, inbox, history, outbox, group, contacts, fingerprint, trust and the file commands work beside it)`,
  );
}
