/**
 * One dial's go at a session, from Hello until the link is lost: what lives and
 * dies with one channel, its socket (socket.ts), handshake (handshake.ts) and
 * keepalive (keepalive.ts). It sends Hello at once, answers the Challenge,
 * lifting the pre-login frame cap once the relay proved its key, checks Ready and
 * starts pinging, and writes the link's own frames so that a full link costs one
 * frame, not the process. The connection (connection.ts) owns the phases and
 * what a loss means; it hears of this attempt through AttemptHooks, and after
 * destroy() hears nothing more of it.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import type { RelayChannel } from './channel.js';
import {
  type AuthMode,
  ClientHandshake,
  HANDSHAKE_TIMEOUT_MS,
  type ReadyInfo,
  type RelayPolicy,
  type SigningIdentity,
} from './handshake.js';
import { Keepalive, PING_INTERVAL_MS } from './keepalive.js';
import { LinkSocket } from './socket.js';
import type { FrameWriterOptions } from './writer.js';

/** How every attempt is made (part of RelayConnectionOptions). */
export interface AttemptOptions {
  identity: SigningIdentity;
  /** NFKC pseudonym to register or log in as. */
  pseudonym: string;
  /** Log in quietly: not announced in the relay's roster (OpenOptions.quiet). */
  quiet?: boolean;
  /** Default HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
  /** Default PING_INTERVAL_MS. */
  pingIntervalMs?: number;
  /** Default: FrameWriter's defaults. */
  writer?: FrameWriterOptions;
}

export interface AttemptHooks {
  /** One decoded frame; the next waits until a returned promise settles. */
  frame: (frame: Frame) => void | Promise<void>;
  /** A frame handler threw. */
  failed: (err: unknown) => void;
  /** The attempt cannot go on (garbage, the handshake's deadline, a silent relay). */
  drop: (why: string) => void;
  /** The socket closed under us (not after destroy()). */
  closed: () => void;
  /** The link was full (`writable` false) and takes frames again. */
  drain: () => void;
}

export class LinkAttempt {
  private readonly socket: LinkSocket;
  private readonly handshake: ClientHandshake;
  private readonly keepalive: Keepalive;
  /** stop() or destroy() was called: answers and drains no longer matter. */
  private ended = false;

  constructor(
    channel: RelayChannel,
    opts: AttemptOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
    hooks: AttemptHooks,
  ) {
    this.keepalive = new Keepalive(clock, opts.pingIntervalMs ?? PING_INTERVAL_MS, {
      ping: (nonce) => this.write({ type: 'ping', nonce }),
      silent: () => hooks.drop('relay went silent'),
    });
    this.keepalive.heard();
    this.handshake = new ClientHandshake(
      opts.identity,
      opts.pseudonym,
      channel,
      clock,
      opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      () => hooks.drop('handshake timed out'),
      opts.quiet === true,
    );
    this.socket = new LinkSocket(
      channel.stream,
      {
        heard: () => this.keepalive.heard(),
        frame: (frame) => hooks.frame(frame),
        failed: (err) => hooks.failed(err),
        garbage: (err) => hooks.drop(`bad frame from relay: ${describeError(err).code}`),
        closed: () => hooks.closed(),
        // TLS errors carry OpenSSL's code (ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: altered bytes).
        error: (err) => log.info('relay socket error', describeError(err)),
      },
      opts.writer,
    );
    this.socket.writer.on('drain', () => {
      if (!this.ended) hooks.drain();
    });
    this.socket.send(this.handshake.hello());
  }

  /** Register or Login, once the handshake got that far. */
  get mode(): AuthMode | undefined {
    return this.handshake.mode;
  }

  /** Not pushing back: the writer is below its high-water mark. */
  get writable(): boolean {
    return this.socket.writer.writable;
  }

  /** Resolves once writable (writer.ts). */
  whenWritable(): Promise<void> {
    return this.socket.writer.whenWritable();
  }

  /** Queues a frame for this turn's write; throws E_LINK_FULL at the writer's bound. */
  send(frame: Frame): void {
    this.socket.send(frame);
    this.keepalive.sent();
  }

  /** A frame encoded already, length prefix included; same bound. */
  sendFramed(bytes: Buffer): void {
    this.socket.sendFramed(bytes);
    this.keepalive.sent();
  }

  /** The link's own frames (Pong, Ping, Goodbye): a full link costs one, not the process. */
  write(frame: Frame): void {
    try {
      this.socket.send(frame);
    } catch (err) {
      this.log.info('link full: frame not queued', { type: frame.type, ...describeError(err) });
    }
  }

  /**
   * Checks the Challenge, asks the policy, and sends our signed Register or Login.
   * False (nothing sent) if the attempt ended while the policy was asked.
   */
  async answer(ch: FrameOf<'challenge'>, policy: RelayPolicy): Promise<boolean> {
    const answer = await this.handshake.answer(ch, policy);
    if (this.ended) return false;
    // The relay has proven its pinned key, so the pre-login cap has done its job.
    // Lifted now, not at Ready: the relay writes Ready and the full roster in one
    // tick, so they arrive in one chunk, and the roster of a busy relay is far
    // over 2 KiB (the decoder applies its limit to the whole chunk at once).
    this.socket.liftFrameLimit();
    this.socket.send(answer);
    return true;
  }

  /**
   * Ready for us: the session (handshake.ts), kept alive from now on.
   * Throws E_AUTH_FAILED for another user's card.
   */
  ready(frame: FrameOf<'ready'>): ReadyInfo {
    const info = this.handshake.ready(frame);
    this.keepalive.start();
    return info;
  }

  /** The socket is gone: no deadline, no pings. Safe to repeat. */
  stop(): void {
    this.ended = true;
    this.handshake.stop();
    this.keepalive.stop();
  }

  /** stop(), and the socket is silenced and closed for good. Safe to repeat. */
  destroy(): void {
    this.stop();
    this.socket.destroy();
  }

  /** Logout: no more pings; writes what is queued, then ends the socket (socket.ts end). */
  end(): Promise<void> {
    this.keepalive.stop();
    return this.socket.end(this.clock);
  }
}
