/**
 * The control socket of a long-running client (`natter inbox --follow`,
 * `natter chat`): a Unix socket `control.sock` in the profile directory, mode
 * 0600 inside the 0700 profile, so only the profile's owner reaches it (Node
 * cannot read a Unix socket peer's credentials; the file modes are the check,
 * made by the server before it listens and by the client before it connects).
 * Other natter commands use it to act through the running client, which holds
 * the profile's lock (issue 13 item 3). Line-delimited JSON, one request a line,
 * one answer a line, in order:
 *
 *   {"op":"<kind>", ...fields}  -> {"ok":true, ...answer}
 *                               or {"ok":false,"code":"E_...","message":"..."}
 *
 * The kinds, their fields and answers are the table in control-ops.ts. `watch`
 * streams {"event":...} lines after its answer until the connection closes. A command
 * that asks (`{"op":"holder","heartbeat":true}`) gets {"heartbeat":true} lines between
 * them, so it notices a holder that stopped answering (control-beat.ts).
 */
import { chmod, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { type Clock, systemClock } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { beatUntilClosed, CONTROL_HEARTBEAT_MS, HEARTBEAT_LINE } from './control-beat.js';
import { watchStore } from './control-inbox.js';
import { type ControlEvent, type ControlTarget, controlDispatch } from './control-ops.js';
import { CliCode, cliError } from './errors.js';
import { CLIENT_HOLDER, removeHolderFile, writeHolderFile } from './holder-file.js';
import { HolderView } from './holder-view.js';
import { LineSplitter } from './line-splitter.js';

export type { ControlEvent, ControlTarget };

export const CONTROL_SOCKET_NAME = 'control.sock';

/**
 * Longest line either way. A `send` of many lines is one request, so that it is
 * queued as one batch; the socket is its owner's alone, so this bounds mistakes
 * (a runaway pipe into --each-line), not attacks.
 */
export const MAX_CONTROL_LINE_BYTES = 16 * 1024 * 1024;

export function controlSocketPath(profileDir: string): string {
  return join(profileDir, CONTROL_SOCKET_NAME);
}

export interface ControlServer {
  close(): Promise<void>;
}

/** One connection, as a request handler sees it. */
export interface ControlSession {
  /** Writes one line (an event after the answer); dropped once the connection closed. */
  write(value: unknown): void;
  /** Runs `fn` when the connection closes (unsubscribe, give up a wait). */
  onClose(fn: () => void): void;
}

/** Answers one parsed request line: the answer's fields, or throws a coded error. */
export type ControlDispatch = (
  request: Record<string, unknown>,
  session: ControlSession,
) => Promise<object>;

/** The heartbeats a server writes to a command that asks (control-beat.ts); tests shorten them. */
export interface ControlBeats {
  clock: Clock;
  /** Default CONTROL_HEARTBEAT_MS. */
  everyMs: number;
}

const BEATS: ControlBeats = { clock: systemClock, everyMs: CONTROL_HEARTBEAT_MS };

/** True when only the owner may enter `dir` or use `path` (no group or other bits). */
export const ownerOnly = (mode: number) => (mode & 0o077) === 0;

/**
 * Listens on `path`, and says who does (holder-file.ts). `extend`, `holder`: a watcher's
 * added kinds and name (control-holder.ts). The caller holds the profile lock, so a socket
 * file left there is a crashed client's and is replaced. E_CONTROL_UNSAFE when the
 * directory lets others in: between listen() and chmod() the socket has the umask's mode,
 * and only an owner-only directory keeps others out meanwhile.
 */
export async function startControlServer(
  path: string,
  target: ControlTarget,
  log: Logger,
  extend: (dispatch: ControlDispatch) => ControlDispatch = (dispatch) => dispatch,
  holder = CLIENT_HOLDER,
  beats: ControlBeats = BEATS,
): Promise<ControlServer> {
  const dir = dirname(path);
  if (!ownerOnly((await stat(dir)).mode)) {
    throw cliError(
      CliCode.ControlUnsafe,
      `control: ${dir} can be entered by other users; run: chmod 700 ${dir}`,
    );
  }
  watchStore(target);
  const view = new HolderView(target);
  const inner = controlDispatch(target);
  const dispatch = extend(async (raw, session) => {
    // Asked first by every command (askHolder, control-holder.ts): answered, not refused.
    if (raw.op === 'holder') return { holder, pid: process.pid };
    const answer = await inner(raw, session);
    // A watcher attached after a handover settles at once on a whole list (who-watch.ts).
    return raw.op === 'watch' ? { ...answer, complete: view.complete } : answer;
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, dispatch, log, beats);
  });
  await rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.warn('control socket error', describeError(err)));
  await chmod(path, 0o600);
  await writeHolderFile(dir, holder);
  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        view.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        await rm(path, { force: true });
        await removeHolderFile(dir);
      })();
      return closing;
    },
  };
}

/** One connection: requests answered in order; a watch streams until the peer hangs up. */
function serve(
  socket: net.Socket,
  dispatch: ControlDispatch,
  log: Logger,
  beats: ControlBeats,
): void {
  let beating = false;
  let chain = Promise.resolve();
  const closers: (() => void)[] = [];
  const write = (value: unknown) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
  };
  const session: ControlSession = {
    write,
    onClose: (fn) => {
      if (socket.destroyed) fn();
      else closers.push(fn);
    },
  };
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const off of closers.splice(0)) off();
  });
  const lines = new LineSplitter(
    MAX_CONTROL_LINE_BYTES,
    (line) => {
      chain = chain.then(() => answer(line));
    },
    () => {
      write({ ok: false, code: 'E_BAD_REQUEST', message: 'control: request line too long' });
      socket.destroy();
    },
  );
  socket.on('data', (chunk: string) => lines.push(chunk));

  const answer = async (line: string): Promise<void> => {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      write({ ok: false, code: 'E_BAD_REQUEST', message: 'control: request is not JSON' });
      return;
    }
    try {
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        throw cliError(CliCode.BadRequest, 'control: a request is a JSON object');
      }
      const raw = request as Record<string, unknown>;
      const answered = await dispatch(raw, session);
      // Asked once, with the first question every command asks (control-holder.ts).
      const beat = raw.op === 'holder' && raw.heartbeat === true && !beating;
      write({ ok: true, ...answered, ...(beat ? { heartbeatMs: beats.everyMs } : {}) });
      if (beat) {
        beating = true;
        const line = `${HEARTBEAT_LINE}\n`;
        const send = () => {
          if (!socket.destroyed) socket.write(line);
        };
        beatUntilClosed(beats.clock, beats.everyMs, send, session.onClose);
      }
    } catch (err) {
      const { code, message } = describeError(err);
      log.info('control request failed', { code });
      write({ ok: false, code, message });
    }
  };
}
