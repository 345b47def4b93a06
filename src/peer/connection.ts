/**
 * One client's link to its relay: handshake, keepalive, coalesced writes and
 * reconnection (docs/protocol.md "Session"). The transport is a parameter
 * (`connect`), so unit tests run this over in-memory duplex pairs.
 *
 * Handshake: Hello{client nonce} → Challenge (relay_sig proves the relay holds
 * relay_id; the caller checks the id against its pin) → Register | Login → Ready.
 * After Ready, frames go to `handlers`; the connection itself answers Ping and
 * watches for silence. Lost links reconnect with jittered backoff unless closed
 * or refused for good (a refused login must not hammer the relay in a loop).
 */
import type { Duplex } from 'node:stream';
import { randomBytes } from '../crypto/random.js';
import { Backoff } from '../util/backoff.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { type Clock, systemClock, type Timer } from '../util/clock.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { decodeFrame } from '../wire/codec.js';
import { FrameDecoder } from '../wire/framing.js';
import {
  CHALLENGE_BYTES,
  MAX_FRAME_BYTES,
  MAX_PRELOGIN_FRAME_BYTES,
  PROTOCOL_VERSION,
} from '../wire/limits.js';
import type { Card, Frame, FrameOf } from '../wire/types.js';
import type { ConnectionState } from './events.js';
import {
  type AuthMode,
  authFrame,
  checkChallenge,
  FINAL_CODES,
  type SigningIdentity,
} from './handshake.js';
import { FrameWriter } from './writer.js';

export type { AuthMode } from './handshake.js';

/** What a relay may send a ready session besides Ping, Pong, Error and Goodbye. */
export type SessionFrame = 'deliver' | 'send-ack' | 'lookup-result' | 'roster-update';

/**
 * The dispatch table for a ready session (STYLE.md §6): typed over SessionFrame,
 * so a new kind without a handler does not compile; any other kind from the
 * relay ends the connection instead of being ignored.
 */
export type SessionHandlers = { [T in SessionFrame]: (frame: FrameOf<T>) => void };

const SESSION_FRAMES: ReadonlySet<string> = new Set<SessionFrame>([
  'deliver',
  'send-ack',
  'lookup-result',
  'roster-update',
]);

/** Ping the relay this often when connected; also how we notice a silently dead link. */
export const PING_INTERVAL_MS = 30_000;
/**
 * No frame at all for this many ping intervals means the link is dead (two pings
 * unanswered, plus slack): drop it and reconnect. Stays well under the relay's
 * 120 s idle timeout, which our pings keep from firing.
 */
export const SILENCE_LIMIT_INTERVALS = 2.5;
/** Hello to Ready must finish within this (the relay enforces its own limit too). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ReadyInfo {
  card: Card;
  pending: number;
  serverTimeMs: number;
  relayId: Uint8Array;
  relayName: string;
  mode: AuthMode;
}

export interface RelayConnectionOptions {
  connect: () => Promise<Duplex>;
  identity: SigningIdentity;
  /** NFKC pseudonym to register or log in as. */
  pseudonym: string;
  /** Called with the relay's proven id before anything is signed for it; throw to refuse. */
  checkRelay: (relayId: Uint8Array) => Promise<void>;
  /** Register on first contact with a relay, Login afterwards. */
  authMode: (relayId: Uint8Array) => Promise<AuthMode>;
  onState?: (state: ConnectionState) => void;
  onReady?: (info: ReadyInfo) => void;
  /** Frames after Ready, one handler per kind the relay may send then (see SessionFrame). */
  handlers: SessionHandlers;
  /** The connection gave up for good (refused login, changed relay key). */
  onFatal?: (err: NatterError) => void;
  clock?: Clock;
  /** Default: Backoff defaults (250 ms doubling to 10 s, full jitter). */
  backoff?: Backoff;
  logger?: Logger;
  /** Default PING_INTERVAL_MS. */
  pingIntervalMs?: number;
  /** Default HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
}

type Phase = 'idle' | 'dialling' | 'hello' | 'auth' | 'ready' | 'closed';

export class RelayConnection {
  private phase: Phase = 'idle';
  private socket: Duplex | null = null;
  private decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
  private writer: FrameWriter | null = null;
  private chain: Promise<void> = Promise.resolve();
  private clientNonce = new Uint8Array(0);
  private timer: Timer | null = null;
  private lastHeardMs = 0;
  private pingNonce = 0;
  private fatal: NatterError | null = null;
  private closedReported = false;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly pingIntervalMs: number;
  private readonly handshakeTimeoutMs: number;

  constructor(private readonly opts: RelayConnectionOptions) {
    this.clock = opts.clock ?? systemClock;
    this.backoff = opts.backoff ?? new Backoff();
    this.log = opts.logger ?? silentLogger;
    this.pingIntervalMs = opts.pingIntervalMs ?? PING_INTERVAL_MS;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** The error that stopped the connection for good, if any. */
  get fatalError(): NatterError | null {
    return this.fatal;
  }

  /** Starts dialling. A no-op unless idle. */
  start(): void {
    if (this.phase !== 'idle') return;
    void this.dial();
  }

  /** Queues a frame for this tick's write. False (frame dropped) unless ready. */
  send(frame: Frame): boolean {
    if (this.phase !== 'ready' || this.socket === null) return false;
    this.write(frame);
    return true;
  }

  /** Logout: Goodbye, let it drain, then close. Without a live session, just closes. */
  async logout(reason = 'logout'): Promise<void> {
    const socket = this.socket;
    if (this.phase === 'ready' && socket !== null) {
      this.write({ type: 'goodbye', reason });
      this.writer?.flush();
      this.phase = 'closed';
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        socket.end();
      });
    }
    this.close();
  }

  /** Stops for good: no reconnect. Safe to call repeatedly. */
  close(): void {
    this.phase = 'closed';
    this.clearTimer();
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (!this.closedReported) {
      this.closedReported = true;
      this.opts.onState?.('closed');
    }
  }

  private async dial(): Promise<void> {
    this.phase = 'dialling';
    this.opts.onState?.('connecting');
    let socket: Duplex;
    try {
      socket = await this.opts.connect();
    } catch (err) {
      this.log.info('relay unreachable', describeError(err));
      if (this.phase === 'dialling') this.lost();
      return;
    }
    if (this.phase !== 'dialling') {
      socket.destroy();
      return;
    }
    this.attach(socket);
  }

  private attach(socket: Duplex): void {
    this.socket = socket;
    this.phase = 'hello';
    this.lastHeardMs = this.clock.now();
    this.decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
    this.writer = new FrameWriter(socket);
    this.chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err) => this.log.info('relay socket error', { message: err.message }));
    socket.on('close', () => {
      if (this.socket === socket) this.lost();
    });
    this.clientNonce = randomBytes(CHALLENGE_BYTES);
    this.write({ type: 'hello', version: PROTOCOL_VERSION, clientNonce: this.clientNonce });
    this.setTimer(this.handshakeTimeoutMs, () => this.drop(socket, 'handshake timed out'));
  }

  private onData(socket: Duplex, chunk: Buffer): void {
    if (this.socket !== socket) return;
    this.lastHeardMs = this.clock.now();
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk).map((bytes) => decodeFrame(bytes));
    } catch (err) {
      // A relay that sends garbage costs us this connection, nothing more (STYLE.md §4).
      this.drop(socket, `bad frame from relay: ${describeError(err).code}`);
      return;
    }
    for (const frame of frames) {
      this.chain = this.chain
        .then(() => (this.socket === socket ? this.handle(socket, frame) : undefined))
        .catch((err: unknown) => this.failHandshake(socket, err));
    }
  }

  private async handle(socket: Duplex, frame: Frame): Promise<void> {
    if (frame.type === 'error') return this.onRelayError(socket, frame);
    if (frame.type === 'goodbye') {
      this.log.info('relay said goodbye', { reason: frame.reason });
      return this.drop(socket, 'relay said goodbye');
    }
    switch (this.phase) {
      case 'hello':
        if (frame.type !== 'challenge') return this.drop(socket, `unexpected ${frame.type}`);
        return this.onChallenge(socket, frame);
      case 'auth':
        if (frame.type !== 'ready') return this.drop(socket, `unexpected ${frame.type}`);
        return this.onReady(frame);
      case 'ready':
        if (frame.type === 'ping') this.write({ type: 'pong', nonce: frame.nonce });
        else if (SESSION_FRAMES.has(frame.type)) this.dispatch(frame);
        else if (frame.type !== 'pong') this.drop(socket, `unexpected ${frame.type} from relay`);
        return;
      default:
        return;
    }
  }

  private dispatch(frame: Frame): void {
    const handler = this.opts.handlers[frame.type as SessionFrame] as (f: Frame) => void;
    handler(frame);
  }

  private pendingAuth: { relayId: Uint8Array; relayName: string; mode: AuthMode } | null = null;

  private async onChallenge(socket: Duplex, ch: FrameOf<'challenge'>): Promise<void> {
    checkChallenge(this.clientNonce, ch);
    await this.opts.checkRelay(ch.relayId);
    const mode = await this.opts.authMode(ch.relayId);
    if (this.socket !== socket) return;
    this.pendingAuth = { relayId: ch.relayId, relayName: ch.relayName, mode };
    this.phase = 'auth';
    // The relay has proven its pinned key, so the pre-login cap has done its job.
    // Lifted now, not at Ready: the relay writes Ready and the full roster in one
    // tick, so they arrive in one chunk, and the roster of a busy relay is far
    // over 2 KiB (the decoder applies its limit to the whole chunk at once).
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    this.write(authFrame(this.opts.identity, this.opts.pseudonym, mode, ch));
  }

  private onReady(ready: FrameOf<'ready'>): void {
    const auth = this.pendingAuth!;
    if (!bytesEqual(ready.card.userId, this.opts.identity.signPk)) {
      throw new NatterError('E_AUTH_FAILED', 'login: the relay returned a card for another user');
    }
    this.phase = 'ready';
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    this.backoff.reset();
    this.schedulePing();
    this.log.info('relay session ready', {
      relayId: toHex(auth.relayId),
      mode: auth.mode,
      pending: ready.pending,
    });
    this.opts.onState?.('ready');
    this.opts.onReady?.({
      card: ready.card,
      pending: ready.pending,
      serverTimeMs: ready.serverTimeMs,
      relayId: auth.relayId,
      relayName: auth.relayName,
      mode: auth.mode,
    });
  }

  private onRelayError(socket: Duplex, err: FrameOf<'error'>): void {
    if (FINAL_CODES.has(err.code)) {
      this.giveUp(
        new NatterError(
          err.code,
          `relay refused ${this.pendingAuth?.mode ?? 'session'}: ${err.message}`,
        ),
      );
      return;
    }
    this.drop(socket, `relay error ${err.code}`);
  }

  private failHandshake(socket: Duplex, err: unknown): void {
    if (this.socket !== socket) return;
    if (isNatterError(err) && (FINAL_CODES.has(err.code) || err.code.startsWith('E_RELAY_'))) {
      this.giveUp(err);
      return;
    }
    this.drop(socket, `handshake failed: ${describeError(err).message}`);
  }

  private giveUp(err: NatterError): void {
    this.log.warn('relay connection stopped', { code: err.code });
    this.fatal = err;
    this.close();
    this.opts.onFatal?.(err);
  }

  private drop(socket: Duplex, why: string): void {
    if (this.socket !== socket) return;
    this.log.info('dropping relay connection', { why });
    socket.destroy();
    this.lost();
  }

  /** The link is gone: tell the owner, then retry after a jittered delay unless closed. */
  private lost(): void {
    this.clearTimer();
    this.socket = null;
    if (this.phase === 'closed') return;
    this.phase = 'idle';
    this.opts.onState?.('offline');
    const delay = this.backoff.next();
    this.setTimer(delay, () => {
      if (this.phase === 'idle') void this.dial();
    });
  }

  private schedulePing(): void {
    this.setTimer(this.pingIntervalMs, () => {
      const socket = this.socket;
      if (this.phase !== 'ready' || socket === null) return;
      if (this.clock.now() - this.lastHeardMs > SILENCE_LIMIT_INTERVALS * this.pingIntervalMs) {
        this.drop(socket, 'relay went silent');
        return;
      }
      this.write({ type: 'ping', nonce: ++this.pingNonce });
      this.schedulePing();
    });
  }

  private write(frame: Frame): void {
    this.writer?.write(frame);
  }

  private setTimer(ms: number, fn: () => void): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
