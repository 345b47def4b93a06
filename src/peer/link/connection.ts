/**
 * One client's link to its relay: the phases of a connection and the moves
 * between them (docs/protocol.md "Session"). The transport is a parameter
 * (`connect`, giving a secure channel: channel.ts), so unit tests use in-memory
 * duplex pairs. The parts own their state: attempt.ts (one channel's socket,
 * handshake and keepalive), dialer.ts, requests.ts, and routes.ts says which
 * frame goes where. A lost link is dialled again unless closed or refused for
 * good (a refused login must not hammer the relay).
 */
import { Backoff } from '../../util/backoff.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { TypedEmitter } from '../../util/emitter.js';
import { describeError, isNatterError, type NatterError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { ConnectionState } from '../events.js';
import { type AttemptOptions, LinkAttempt } from './attempt.js';
import type { RelayChannel } from './channel.js';
import { Dialer } from './dialer.js';
import { LinkCode, linkError } from './errors.js';
import {
  isFinal,
  type ReadyInfo,
  type RelayPolicy,
  refusalOf,
  refusedForNow,
} from './handshake.js';
import { Requests } from './requests.js';
import { type LinkPhase, type LinkTarget, route, type SessionHandlers } from './routes.js';

export interface RelayConnectionOptions extends RelayPolicy, AttemptOptions {
  /** Opens a secure channel to the relay (transport.ts connectTls). */
  connect: () => Promise<RelayChannel>;
  /** Frames after Ready that the owner handles (see SessionFrame). */
  handlers: SessionHandlers;
  /** Where replies go and who is failed on a lost link. Default: a new one sending here. */
  requests?: Requests;
  clock?: Clock;
  /** Default: Backoff defaults (250 ms doubling to 10 s, full jitter). */
  backoff?: Backoff;
  logger?: Logger;
}

export interface LinkEvents {
  state: ConnectionState;
  ready: ReadyInfo;
  /** The connection gave up for good (refused login, changed relay key); 'closed' came first. */
  fatal: NatterError;
  /** The link was full (`writable` false) and takes frames again. */
  drain: undefined;
  /** The relay refused Register or Login for now (handshake.ts refusedForNow); 'state' follows. */
  refused: NatterError;
  /** One dial failed (no TCP, no TLS); 'state' follows ('offline', or 'closed' if final). */
  'dial-failed': unknown;
}

type Phase = 'idle' | 'dialling' | LinkPhase | 'closed';

export class RelayConnection extends TypedEmitter<LinkEvents> {
  readonly requests: Requests;
  private phase: Phase = 'idle';
  /** The current channel's socket, handshake and keepalive; null while dialling or idle. */
  private attempt: LinkAttempt | null = null;
  private fatal: NatterError | null = null;
  private lastDialFailure: NatterError | null = null;
  private closedReported = false;
  private readonly clock: Clock;
  private readonly dialer: Dialer;
  private readonly log: Logger;
  /** What the routes may ask of this connection (routes.ts). */
  private readonly target: LinkTarget;

  constructor(private readonly opts: RelayConnectionOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    this.dialer = new Dialer(opts.connect, this.clock, opts.backoff ?? new Backoff(), {
      connected: (channel) => this.attach(channel),
      failed: (err) => {
        this.log.info('relay unreachable', describeError(err));
        if (isNatterError(err)) this.lastDialFailure = err;
        if (this.phase !== 'dialling') return;
        this.emit('dial-failed', err);
        // A channel keyed by something that cannot be a relay id: stop, like a wrong key.
        if (isFinal(err)) this.giveUp(err);
        else this.lost();
      },
    });
    this.requests = opts.requests ?? new Requests({ send: (f) => this.send(f), clock: this.clock });
    this.target = {
      challenge: (f) => this.onChallenge(f),
      ready: (f) => this.onReady(f),
      ping: (f) => this.attempt?.write({ type: 'pong', nonce: f.nonce }),
      relayError: (f) => this.onRelayError(f),
      goodbye: (f) => {
        this.log.info('relay said goodbye', { reason: f.reason });
        this.drop('relay said goodbye');
      },
      reply: (f) => this.requests.settle(f),
      owner: opts.handlers,
    };
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** A channel is open and its Register or Login not answered yet. */
  get handshaking(): boolean {
    return this.phase === 'hello' || this.phase === 'auth';
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** The error that stopped the connection for good, if any. */
  get fatalError(): NatterError | null {
    return this.fatal;
  }

  /** Why the last dial failed (unreachable, no TLS), until a session is ready; for messages. */
  get dialFailure(): NatterError | null {
    return this.lastDialFailure;
  }

  /** Ready and not pushing back: a bulk sender may write now. */
  get writable(): boolean {
    return this.phase === 'ready' && this.attempt !== null && this.attempt.writable;
  }

  /** Resolves once writable; rejects with E_OFFLINE when not ready or when the link drops. */
  whenWritable(): Promise<void> {
    if (this.phase !== 'ready' || this.attempt === null) {
      return Promise.reject(linkError(LinkCode.Offline, 'link: not connected to the relay'));
    }
    return this.attempt.whenWritable();
  }

  /** Starts dialling. A no-op unless idle. */
  start(): void {
    this.dial();
  }

  /**
   * Dials now instead of after the pending backoff delay: a caller about to give up
   * wants an answer from now, not from the last attempt. A no-op unless waiting to redial.
   */
  retryNow(): void {
    if (this.phase !== 'idle') return;
    this.dialer.cancel();
    this.dial();
  }

  /** The relay's beacon was heard: a redial waiting for its backoff goes soon (dialer.ts). */
  relayHeard(): void {
    if (this.phase === 'idle' && this.dialer.soon(() => this.dial())) {
      this.log.info('relay announced itself: redialling early');
    }
  }

  /**
   * Queues a frame for this turn's write. False (frame dropped) unless ready;
   * throws E_LINK_FULL from a caller that wrote on past `writable` to the bound.
   */
  send(frame: Frame): boolean {
    if (this.phase !== 'ready' || this.attempt === null) return false;
    this.attempt.send(frame);
    return true;
  }

  /**
   * send() for a frame encoded already, length prefix included (a FileChunk laid out by
   * chunkFrame and sealed in place): queued as it is. Same answers and E_LINK_FULL.
   */
  sendFramed(bytes: Buffer): boolean {
    if (this.phase !== 'ready' || this.attempt === null) return false;
    this.attempt.sendFramed(bytes);
    return true;
  }

  /** Logout: Goodbye, let the queue drain, then close. Without a live session, just closes. */
  async logout(reason = 'logout'): Promise<void> {
    const attempt = this.attempt;
    if (this.phase === 'ready' && attempt !== null) {
      attempt.write({ type: 'goodbye', reason });
      this.phase = 'closed';
      await attempt.end();
    }
    this.close();
  }

  /** Stops for good: no reconnect. Safe to call repeatedly. */
  close(): void {
    this.phase = 'closed';
    this.dialer.cancel();
    const attempt = this.attempt;
    this.attempt = null;
    attempt?.destroy();
    this.requests.cancelAll('the link to the relay was closed');
    if (!this.closedReported) {
      this.closedReported = true;
      this.emit('state', 'closed');
    }
  }

  protected override listenerFailed(event: string, err: unknown): void {
    this.log.warn('link listener failed', { event, ...describeError(err) });
  }

  private dial(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'dialling';
    this.emit('state', 'connecting');
    void this.dialer.dial();
  }

  /** A new channel: Hello, under the handshake's deadline. False if we stopped dialling meanwhile. */
  private attach(channel: RelayChannel): boolean {
    if (this.phase !== 'dialling') return false;
    this.phase = 'hello';
    this.attempt = new LinkAttempt(channel, this.opts, this.clock, this.log, {
      frame: (frame) => this.route(frame),
      failed: (err) => this.failed(err),
      drop: (why) => this.drop(why),
      closed: () => this.lost(),
      drain: () => {
        if (this.phase === 'ready') this.emit('drain', undefined);
      },
    });
    return true;
  }

  private route(frame: Frame): void | Promise<void> {
    const phase = this.phase;
    if (phase !== 'hello' && phase !== 'auth' && phase !== 'ready') return;
    return route(this.target, phase, frame);
  }

  private async onChallenge(ch: FrameOf<'challenge'>): Promise<void> {
    // False: the link was lost while the policy was asked.
    if (await this.attempt?.answer(ch, this.opts)) this.phase = 'auth';
  }

  private onReady(frame: FrameOf<'ready'>): void {
    const info = this.attempt!.ready(frame);
    this.phase = 'ready';
    this.lastDialFailure = null;
    this.dialer.succeeded();
    this.log.info('relay session ready', {
      relayId: toHex(info.relayId),
      mode: info.mode,
      pending: info.pending,
    });
    this.emit('state', 'ready');
    this.emit('ready', info);
  }

  private onRelayError(err: FrameOf<'error'>): void {
    const refusal = refusalOf(err, this.attempt?.mode);
    const forNow = this.phase === 'ready' ? null : refusedForNow(err, this.attempt?.mode);
    if (refusal === null && forNow !== null) this.emit('refused', forNow);
    if (refusal !== null) this.giveUp(refusal);
    else this.drop(`relay error ${err.code}`);
  }

  /** A frame handler threw: a refusal or an untrusted relay stops us; anything else retries. */
  private failed(err: unknown): void {
    if (isFinal(err)) this.giveUp(err);
    else this.drop(`frame handling failed: ${describeError(err).message}`);
  }

  private giveUp(err: NatterError): void {
    this.log.warn('relay connection stopped', { code: err.code });
    this.fatal = err;
    this.close();
    this.emit('fatal', err);
  }

  private drop(why: string): void {
    const attempt = this.attempt;
    if (attempt === null) return;
    this.log.info('dropping relay connection', { why });
    attempt.destroy();
    this.lost();
  }

  /** The link is gone: fail its requests, tell the owner, then retry after a jittered delay. */
  private lost(): void {
    this.attempt?.stop();
    this.attempt = null;
    this.requests.cancelAll();
    if (this.phase === 'closed') return;
    this.phase = 'idle';
    this.emit('state', 'offline');
    this.dialer.later(() => this.dial());
  }
}
