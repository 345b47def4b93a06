/**
 * The control socket of a long-running client (`natter inbox --follow`,
 * `natter chat`): a Unix socket `control.sock` in the profile directory, mode
 * 0600 inside the 0700 profile, so only the profile's owner reaches it. Other
 * natter commands use it to talk to the running client, which holds the
 * profile's lock. Line-delimited JSON, one request a line, one answer a line:
 *
 *   {"op":"status","status":"away","text":"lunch"}  -> {"ok":true}
 *   {"op":"who"}                                    -> {"ok":true,"peers":[OnlinePeer...]}
 *   {"op":"watch"}                                  -> {"ok":true,"peers":[...]}, then one
 *       {"event":"roster:change"|"roster:conflict", ...payload} line per change until closed
 *   anything else                                   -> {"ok":false,"code":"E_...","message":"..."}
 */
import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import {
  type OnlinePeer,
  type PeerEventMap,
  PRESENCE_STATUSES,
  type PresenceStatus,
} from '../peer/index.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { CliCode, cliError } from './errors.js';

export const CONTROL_SOCKET_NAME = 'control.sock';

/** Longest request line. A status request is under 400 bytes; more is not a natter client. */
export const MAX_CONTROL_LINE_BYTES = 4096;

/** How long a command waits for the running client to answer (it answers in milliseconds). */
export const CONTROL_TIMEOUT_MS = 3000;

/** What the control socket may do with the running client. */
export interface ControlTarget {
  setStatus(status: PresenceStatus, text?: string): Promise<void>;
  online(): OnlinePeer[];
  on<K extends 'roster:change' | 'roster:conflict'>(
    name: K,
    listener: (event: PeerEventMap[K]) => void,
  ): () => void;
}

export type ControlRequest =
  | { op: 'status'; status: PresenceStatus; text?: string }
  | { op: 'who' }
  | { op: 'watch' };

export type ControlAnswer =
  | { ok: true; peers?: OnlinePeer[] }
  | { ok: false; code: string; message: string };

export type ControlEvent =
  | ({ event: 'roster:change' } & PeerEventMap['roster:change'])
  | ({ event: 'roster:conflict' } & PeerEventMap['roster:conflict']);

export function controlSocketPath(profileDir: string): string {
  return join(profileDir, CONTROL_SOCKET_NAME);
}

export interface ControlServer {
  close(): Promise<void>;
}

/**
 * Listens on `path`. The caller holds the profile lock, so a socket file left
 * there is a crashed client's and is replaced.
 */
export async function startControlServer(
  path: string,
  target: ControlTarget,
  log: Logger,
): Promise<ControlServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, target, log);
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
  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        await rm(path, { force: true });
      })();
      return closing;
    },
  };
}

/** One connection: requests answered in order; a watch streams until the peer hangs up. */
function serve(socket: net.Socket, target: ControlTarget, log: Logger): void {
  let buffered = '';
  let chain = Promise.resolve();
  const unsubscribe: (() => void)[] = [];
  const write = (value: unknown) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
  };
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const off of unsubscribe.splice(0)) off();
  });
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      chain = chain.then(() => answer(line));
      nl = buffered.indexOf('\n');
    }
    if (Buffer.byteLength(buffered) > MAX_CONTROL_LINE_BYTES) {
      write({ ok: false, code: 'E_BAD_REQUEST', message: 'control: request line too long' });
      socket.destroy();
    }
  });

  const answer = async (line: string): Promise<void> => {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      write({ ok: false, code: 'E_BAD_REQUEST', message: 'control: request is not JSON' });
      return;
    }
    const r = request as Record<string, unknown>;
    try {
      switch (r?.op) {
        case 'status': {
          const status = r.status;
          const text = r.text ?? '';
          if (!PRESENCE_STATUSES.includes(status as PresenceStatus) || typeof text !== 'string') {
            throw cliError(CliCode.BadStatus, `status: expected ${PRESENCE_STATUSES.join('|')}`);
          }
          await target.setStatus(status as PresenceStatus, text);
          write({ ok: true });
          return;
        }
        case 'who':
          write({ ok: true, peers: target.online() });
          return;
        case 'watch':
          // Subscribed before the snapshot is written, so no change falls in between.
          unsubscribe.push(
            target.on('roster:change', (e) => write({ event: 'roster:change', ...e })),
            target.on('roster:conflict', (e) => write({ event: 'roster:conflict', ...e })),
          );
          write({ ok: true, peers: target.online() });
          return;
        default:
          throw cliError(CliCode.BadRequest, 'control: unknown op');
      }
    } catch (err) {
      const { code, message } = describeError(err);
      log.info('control request failed', { code });
      write({ ok: false, code, message });
    }
  };
}

/** A connection to a running client's control socket. */
export class ControlClient {
  private buffered = '';
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl = this.buffered.indexOf('\n');
      while (nl !== -1) {
        this.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
        nl = this.buffered.indexOf('\n');
      }
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.(null);
      this.waiting = null;
    });
    socket.on('error', () => undefined);
  }

  /** Connects; E_NOT_RUNNING when no client listens there. */
  static connect(path: string, profileDir: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        reject(
          cliError(
            CliCode.NotRunning,
            `no natter client is running for profile ${profileDir} (natter status and natter who talk to a running natter inbox --follow or natter chat)`,
            { cause: err },
          ),
        );
      });
    });
  }

  /** Sends one request and waits for its answer. */
  async request(request: ControlRequest, timeoutMs = CONTROL_TIMEOUT_MS): Promise<ControlAnswer> {
    this.socket.write(`${JSON.stringify(request)}\n`);
    const line = await this.next(timeoutMs);
    if (line === null) {
      throw cliError(CliCode.Control, 'control: the running client closed the connection');
    }
    return line as ControlAnswer;
  }

  /** The next line (parsed), or null once the running client has gone. */
  async next(timeoutMs?: number): Promise<unknown> {
    const line = this.lines.shift() ?? (this.ended ? null : await this.wait(timeoutMs));
    if (line === null) return null;
    try {
      return JSON.parse(line);
    } catch (err) {
      throw cliError(CliCode.Control, 'control: the running client sent a bad line', {
        cause: err,
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wait(timeoutMs: number | undefined): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              this.waiting = null;
              reject(cliError(CliCode.Control, 'control: the running client did not answer'));
            }, timeoutMs);
      this.waiting = (line) => {
        if (timer) clearTimeout(timer);
        this.waiting = null;
        resolve(line);
      };
    });
  }

  private push(line: string): void {
    if (this.waiting) this.waiting(line);
    else this.lines.push(line);
  }
}
