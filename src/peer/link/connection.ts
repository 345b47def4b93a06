/**
 * One client's link to its relay: the phases of a connection and the moves
 * between them (docs/protocol.md "Session"). The transport is a parameter
 * (`connect`, giving a secure channel: channel.ts), so unit tests use in-memory
 * duplex pairs. The parts own their
 * state: socket.ts, handshake.ts, keepalive.ts, dialer.ts, requests.ts, and
 * routes.ts says which frame goes where. A lost link is dialled again unless
 * closed or refused for good (a refused login must not hammer the relay).
 */
import { Backoff } from '../../util/backoff.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { TypedEmitter } from '../../util/emitter.js';
import { describeError, isNatterError, type NatterError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { ConnectionState } from '../events.js';
import type { RelayChannel } from './channel.js';
import { Dialer } from './dialer.js';
import { LinkCode, linkError } from './errors.js';
import {
  ClientHandshake,
  HANDSHAKE_TIMEOUT_MS,
  isFinal,
  type ReadyInfo,
  type RelayPolicy,
  refusalOf,
  type SigningIdentity,
} from './handshake.js';
import { Keepalive, PING_INTERVAL_MS } from './keepalive.js';
import { Requests } from './requests.js';
import { type LinkPhase, type LinkTarget, route, type SessionHandlers } from './routes.js';
import { LinkSocket } from './socket.js';
import type { FrameWriterOptions } from './writer.js';

export interface RelayConnectionOptions extends RelayPolicy {
  /** Opens a secure channel to the relay (transport.ts connectTls). */
  connect: () => Promise<RelayChannel>;
  identity: SigningIdentity;
  /** NFKC pseudonym to register or log in as. */
  pseudonym: string;
  /** Frames after Ready that the owner handles (see SessionFrame). */
  handlers: SessionHandlers;
  /** Where replies go and who is failed on a lost link. Default: a new one sending here. */
  requests?: Requests;
  clock?: Clock;
  /** Default: Backoff defaults (250 ms doubling to 10 s, full jitter). */
  backoff?: Backoff;
  logger?: Logger;
  /** Default PING_INTERVAL_MS. */
  pingIntervalMs?: number;
  /** Default HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
  /** Default: FrameWriter's defaults. */
  writer?: FrameWriterOptions;
}

export interface LinkEvents {
  state: ConnectionState;
  ready: ReadyInfo;
  /** The connection gave up for good (refused login, changed relay key); 'closed' came first. */
  fatal: NatterError;
  /** The link was full (`writable` false) and takes frames again. */
  drain: undefined;
  /** One dial failed (no TCP, no TLS); 'state' follows ('offline', or 'closed' if final). */
  'dial-failed': unknown;
}

type Phase = 'idle' | 'dialling' | LinkPhase | 'closed';

export class RelayConnection extends TypedEmitter<LinkEvents> {
  readonly requests: Requests;
  private phase: Phase = 'idle';
  private link: LinkSocket | null = null;
  private handshake: ClientHandshake | null = null;
  private fatal: NatterError | null = null;
  private lastDialFailure: NatterError | null = null;
  private closedReported = false;
  private readonly clock: Clock;
  private readonly dialer: Dialer;
  private readonly log: Logger;
  private readonly keepalive: Keepalive;
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
    this.keepalive = new Keepalive(this.clock, opts.pingIntervalMs ?? PING_INTERVAL_MS, {
      ping: (nonce) => this.write({ type: 'ping', nonce }),
      silent: () => this.drop('relay went silent'),
    });
    this.target = {
      challenge: (f) => this.onChallenge(f),
      ready: (f) => this.onReady(f),
      ping: (f) => this.write({ type: 'pong', nonce: f.nonce }),
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
    return this.phase === 'ready' && this.link !== null && this.link.writer.writable;
  }

  /** Resolves once writable; rejects with E_OFFLINE when not ready or when the link drops. */
  whenWritable(): Promise<void> {
    if (this.phase !== 'ready' || this.link === null) {
      return Promise.reject(linkError(LinkCode.Offline, 'link: not connected to the relay'));
    }
    return this.link.writer.whenWritable();
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

  /**
   * Queues a frame for this turn's write. False (frame dropped) unless ready;
   * throws E_LINK_FULL from a caller that wrote on past `writable` to the bound.
   */
  send(frame: Frame): boolean {
    if (this.phase !== 'ready' || this.link === null) return false;
    this.link.send(frame);
    return true;
  }

  /**
   * send() for a frame encoded already, length prefix included (a FileChunk laid out by
   * chunkFrame and sealed in place): queued as it is. Same answers and E_LINK_FULL.
   */
  sendFramed(bytes: Buffer): boolean {
    if (this.phase !== 'ready' || this.link === null) return false;
    this.link.sendFramed(bytes);
    return true;
  }

  /** Logout: Goodbye, let the queue drain, then close. Without a live session, just closes. */
  async logout(reason = 'logout'): Promise<void> {
    const link = this.link;
    if (this.phase === 'ready' && link !== null) {
      this.write({ type: 'goodbye', reason });
      this.phase = 'closed';
      this.keepalive.stop();
      await link.end(this.clock);
    }
    this.close();
  }

  /** Stops for good: no reconnect. Safe to call repeatedly. */
  close(): void {
    this.phase = 'closed';
    this.dialer.cancel();
    this.handshake?.stop();
    this.keepalive.stop();
    const link = this.link;
    this.link = null;
    link?.destroy();
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
    this.keepalive.heard();
    const handshake = new ClientHandshake(
      this.opts.identity,
      this.opts.pseudonym,
      channel,
      this.clock,
      this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      () => this.drop('handshake timed out'),
    );
    const link = new LinkSocket(
      channel.stream,
      {
        heard: () => this.keepalive.heard(),
        frame: (frame) => this.route(frame),
        failed: (err) => this.failed(err),
        garbage: (err) => this.drop(`bad frame from relay: ${describeError(err).code}`),
        closed: () => this.lost(),
        // TLS errors carry OpenSSL's code (ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: altered bytes).
        error: (err) => this.log.info('relay socket error', describeError(err)),
      },
      this.opts.writer,
    );
    link.writer.on('drain', () => {
      if (this.link === link && this.phase === 'ready') this.emit('drain', undefined);
    });
    this.link = link;
    this.handshake = handshake;
    link.send(handshake.hello());
    return true;
  }

  private route(frame: Frame): void | Promise<void> {
    const phase = this.phase;
    if (phase !== 'hello' && phase !== 'auth' && phase !== 'ready') return;
    return route(this.target, phase, frame);
  }

  private async onChallenge(ch: FrameOf<'challenge'>): Promise<void> {
    const link = this.link;
    const handshake = this.handshake;
    if (link === null || handshake === null) return;
    const answer = await handshake.answer(ch, this.opts);
    if (this.link !== link) return;
    this.phase = 'auth';
    // The relay has proven its pinned key, so the pre-login cap has done its job.
    // Lifted now, not at Ready: the relay writes Ready and the full roster in one
    // tick, so they arrive in one chunk, and the roster of a busy relay is far
    // over 2 KiB (the decoder applies its limit to the whole chunk at once).
    link.liftFrameLimit();
    link.send(answer);
  }

  private onReady(frame: FrameOf<'ready'>): void {
    const info = this.handshake!.ready(frame);
    this.phase = 'ready';
    this.lastDialFailure = null;
    this.dialer.succeeded();
    this.keepalive.start();
    this.log.info('relay session ready', {
      relayId: toHex(info.relayId),
      mode: info.mode,
      pending: info.pending,
    });
    this.emit('state', 'ready');
    this.emit('ready', info);
  }

  private onRelayError(err: FrameOf<'error'>): void {
    const refusal = refusalOf(err, this.handshake?.mode);
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
    const link = this.link;
    if (link === null) return;
    this.log.info('dropping relay connection', { why });
    link.destroy();
    this.lost();
  }

  /** The link is gone: fail its requests, tell the owner, then retry after a jittered delay. */
  private lost(): void {
    this.handshake?.stop();
    this.keepalive.stop();
    this.link = null;
    this.handshake = null;
    this.requests.cancelAll();
    if (this.phase === 'closed') return;
    this.phase = 'idle';
    this.emit('state', 'offline');
    this.dialer.later(() => this.dial());
  }

  /** The link's own frames (Hello, Pong, Ping, Goodbye): a full link costs one, not the process. */
  private write(frame: Frame): void {
    try {
      this.link?.send(frame);
    } catch (err) {
      this.log.info('link full: frame not queued', { type: frame.type, ...describeError(err) });
    }
  }
}
