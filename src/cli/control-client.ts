/**
 * A command's side of a running client's control socket (control.ts): one request, one
 * answer, in order; a `watch` then streams events until either side hangs up.
 */
import { lstat } from 'node:fs/promises';
import net from 'node:net';
import type { OnlinePeer, PeerEventMap } from '../peer/index.js';
import { systemClock } from '../util/clock.js';
import type { NatterError } from '../util/errors.js';
import { MAX_CONTROL_LINE_BYTES, ownerOnly } from './control.js';
import { HEARTBEAT_LINE, SilenceWatch, silenceFor } from './control-beat.js';
import type { AnyControlRequest } from './control-ops.js';
import { CliCode, cliError } from './errors.js';
import { notAnswering, stoppedAnswering } from './holder-file.js';
import { LineSplitter } from './line-splitter.js';

/** How long a command waits for the running client to answer (it answers in milliseconds). */
export const CONTROL_TIMEOUT_MS = 3000;

/** `holder`: who serves the socket (control.ts); `step-aside` a watcher's (control-holder.ts). */
export type ControlRequest =
  | AnyControlRequest
  | { op: 'holder'; heartbeat?: true }
  | { op: 'step-aside' };

export type ControlAnswer =
  | {
      ok: true;
      peers?: OnlinePeer[];
      complete?: boolean;
      impostors?: PeerEventMap['roster:conflict'][];
    }
  | { ok: false; code: string; message: string };

interface Waiter {
  resolve(line: string | null): void;
  reject(err: unknown): void;
}

/** A connection to a running client's control socket. */
export class ControlClient {
  private readonly lines: string[] = [];
  private waiting: Waiter | null = null;
  private ended = false;
  /** The holder went silent (control-beat.ts): every later read says so. */
  private failure: NatterError | null = null;
  private silence: SilenceWatch | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly profileDir: string,
  ) {
    socket.setEncoding('utf8');
    const splitter = new LineSplitter(
      MAX_CONTROL_LINE_BYTES,
      (line) => this.push(line),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => {
      this.silence?.heard();
      splitter.push(chunk);
    });
    socket.on('close', () => {
      this.ended = true;
      this.silence?.stop();
      this.waiting?.resolve(null);
      this.waiting = null;
    });
    socket.on('error', () => undefined);
  }

  /**
   * Connects; E_NOT_RUNNING when no client listens there, E_CONTROL_UNSAFE when the
   * socket is not this user's alone (then it is not our client's).
   */
  static async connect(path: string, profileDir: string): Promise<ControlClient> {
    const notRunning = (cause: unknown) =>
      cliError(
        CliCode.NotRunning,
        `no natter client is running for profile ${profileDir} (natter inbox --follow or natter chat)`,
        { cause },
      );
    const s = await lstat(path).catch((err: unknown) => {
      throw notRunning(err);
    });
    const uid = process.getuid?.();
    if (!s.isSocket() || !ownerOnly(s.mode) || (uid !== undefined && s.uid !== uid)) {
      throw cliError(
        CliCode.ControlUnsafe,
        `control: ${path} is not a socket only you can use; not talking to it`,
      );
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket, profileDir));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        reject(notRunning(err));
      });
    });
  }

  /**
   * Sends one request and waits for its answer; `timeoutMs` null waits as long as
   * the connection lasts (a send waiting for the relay, an inbox --follow).
   */
  async request(
    request: ControlRequest,
    timeoutMs: number | null = CONTROL_TIMEOUT_MS,
  ): Promise<ControlAnswer> {
    const line = `${JSON.stringify(request)}\n`;
    if (Buffer.byteLength(line) > MAX_CONTROL_LINE_BYTES) {
      throw cliError(
        CliCode.TooLarge,
        `control: the request is over the ${MAX_CONTROL_LINE_BYTES}-byte limit of one request to a running client; send it in parts`,
      );
    }
    this.socket.write(line);
    const answer = await this.next(timeoutMs ?? undefined);
    if (answer === null) {
      throw cliError(CliCode.Control, 'control: the running client closed the connection');
    }
    return answer as ControlAnswer;
  }

  /**
   * From now on, silence for `silenceFor(everyMs)` (the holder beats every `everyMs`) is a
   * holder stopped or hung: the read waiting, and every later one, fail with E_PROFILE_IN_USE
   * naming it, and the connection is closed. Idempotent.
   */
  expectBeats(everyMs: number, silentMs = silenceFor(everyMs)): void {
    if (this.silence !== null || this.ended) return;
    this.silence = new SilenceWatch(systemClock, silentMs, () => {
      void stoppedAnswering(this.profileDir, silentMs).then((err) => this.fail(err));
    });
  }

  /** The next line (parsed), or null once the running client has gone. */
  async next(timeoutMs?: number): Promise<unknown> {
    if (this.failure !== null) throw this.failure;
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

  /** The connection is closed (by either side): no answer will come. */
  get closed(): boolean {
    return this.ended || this.failure !== null;
  }

  close(): void {
    this.silence?.stop();
    this.socket.destroy();
  }

  private wait(timeoutMs: number | undefined): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              // Accepted, and nothing since: stopped or hung, and holding the profile.
              this.waiting = null;
              void notAnswering(this.profileDir, timeoutMs).then(reject);
            }, timeoutMs);
      const done = () => {
        if (timer) clearTimeout(timer);
        this.waiting = null;
      };
      this.waiting = {
        resolve: (line) => {
          done();
          resolve(line);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
    });
  }

  private push(line: string): void {
    // A beat only says the holder is alive (heard() already noted it).
    if (line === HEARTBEAT_LINE) return;
    if (this.waiting) this.waiting.resolve(line);
    else this.lines.push(line);
  }

  /** The holder went silent: the waiting read fails, and so does every later one. */
  private fail(err: NatterError): void {
    // Closed meanwhile (the command was done with it, or the holder went): nothing waits.
    if (this.ended) return;
    this.failure = err;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(err);
    this.socket.destroy();
  }
}
