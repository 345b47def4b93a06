/**
 * A minimal protocol client over a real socket: handshake, send, receive, ack.
 * For relay tests and the benchmark, which need the wire without the client
 * core's stores. Like the real client it speaks TLS 1.3, checks that the key
 * of the TLS channel is the relay id the Challenge claims and the relay's
 * signature on the challenge, and signs the channel binding at login.
 */
import net from 'node:net';
import tls from 'node:tls';
import { BoxKeyring } from '../../src/crypto/box.js';
import { signCard } from '../../src/crypto/card.js';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import {
  authMessage,
  domainMessage,
  sign,
  TAG_LOGIN_V2,
  TAG_REGISTER_V2,
  TAG_RELAY,
  verify,
} from '../../src/crypto/sign.js';
import { signStatus } from '../../src/crypto/status.js';
import { certificateSignKey, channelBinding, TLS_VERSION } from '../../src/crypto/tls-cert.js';
import { bytesEqual, utf8 } from '../../src/util/bytes.js';
import { decodeFrame, encodeFrame } from '../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../src/wire/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/wire/limits.js';
import type { Card, Frame, FrameOf, Status } from '../../src/wire/types.js';

/** The card of `id` under `pseudonym`, signed as the real client signs it. */
// The relay never opens boxes: any well-formed sealed payload will do.
const opaqueRing = new BoxKeyring(generateIdentity().boxSk);
const opaqueTo = generateIdentity().boxPk;

/** A Send to `to` (a user id) of `text` sealed for nobody in particular: what a relay test needs. */
export function sealedSend(to: Uint8Array, text: string): FrameOf<'send'> {
  const { nonce, ciphertext } = opaqueRing.seal(opaqueTo, utf8(text));
  return { type: 'send', to, msgId: randomBytes(16), nonce, ciphertext };
}

export function cardOf(id: Identity, pseudonym: string): Card {
  return signCard(id, pseudonym);
}

/** A SetStatus signed by `id`, as the real client sends it. */
export function signedStatus(
  id: Identity,
  status: Status,
  statusText: string,
  seq: number,
): FrameOf<'set-status'> {
  const claim = { status, statusText, seq };
  return { type: 'set-status', ...claim, sig: signStatus(id, claim) };
}

export interface RawConnectOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** The address to connect from (another loopback address is another host to the relay). */
  localAddress?: string;
  /** How long login waits for Ready (default 5 s): longer while a NATS node is down. */
  readyTimeoutMs?: number;
  /** Plain TCP, for a relay started with `tls: false` (the benchmark's baseline). */
  plain?: boolean;
  /**
   * Sign for whatever key the TLS channel has, as a client that skipped the key check
   * would: what a TLS-terminating proxy hopes for (the relay must still refuse it).
   */
  trustAnyKey?: boolean;
  /**
   * The card Register or Login carries. Default: the identity's card signed for the
   * pseudonym on Register, none on Login.
   */
  card?: Card;
  /** Log in quietly (Login.quiet): not announced in the roster. */
  quiet?: boolean;
  /**
   * Hello.features (CLIENT_FEATURE_*). Default 0: a client from before them, which the
   * relay answers `stored` only; natter's client and the benches send CLIENT_FEATURES.
   */
  features?: number;
}

/** The binding a plain-TCP session signs (the relay's PLAIN_CHANNEL_BINDING). */
const PLAIN_BINDING = new Uint8Array(32);

/**
 * A TLS 1.3 connection to a relay as the real client makes one (no CA; the key is
 * checked by the caller), with its channel's key and binding.
 */
export async function connectRelayTls(
  port: number,
  host = '127.0.0.1',
  localAddress?: string,
): Promise<{ socket: tls.TLSSocket; relayKey: Uint8Array; binding: Uint8Array }> {
  const socket = tls.connect({
    port,
    host,
    ...(localAddress === undefined ? {} : { localAddress }),
    minVersion: TLS_VERSION,
    maxVersion: TLS_VERSION,
    rejectUnauthorized: false,
  });
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      socket.off('secureConnect', secure);
      socket.off('error', done);
      socket.off('close', closed);
      if (err === undefined) resolve();
      else {
        socket.destroy();
        reject(err);
      }
    };
    const secure = () => done();
    const closed = () => done(new Error('closed before the TLS handshake completed'));
    socket.once('secureConnect', secure);
    socket.once('error', done);
    socket.once('close', closed);
  });
  socket.on('error', () => {});
  socket.setNoDelay(true);
  return {
    socket,
    relayKey: certificateSignKey(socket.getPeerX509Certificate()),
    binding: channelBinding(socket),
  };
}

export class RawClient {
  readonly socket: net.Socket;
  readonly frames: Frame[] = [];
  /** Every frame kind the client has seen, for waiting on. */
  private waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private out: Buffer[] = [];
  /** Hello.features this client announces (RawConnectOptions.features). */
  private features = 0;
  private scheduled = false;
  onFrame: ((f: Frame) => void) | null = null;
  /** Sees each frame's bytes first; returning true skips decoding it (the benchmark's lean path). */
  onRawFrame: ((bytes: Uint8Array) => boolean) | null = null;
  /** Keep received frames in `frames` (tests); the benchmark turns this off. */
  keep = true;
  closed: Promise<void>;

  private constructor(
    socket: net.Socket,
    /** The key that authenticated the TLS channel; null over plain TCP. */
    readonly relayKey: Uint8Array | null,
    /** What Register and Login sign besides the challenge. */
    readonly binding: Uint8Array,
    private readonly trustAnyKey = false,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      for (const bytes of this.decoder.push(chunk)) {
        if (this.onRawFrame?.(bytes)) continue;
        const f = decodeFrame(bytes);
        if (this.keep) this.frames.push(f);
        this.onFrame?.(f);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(f)) return true;
          w.resolve(f);
          return false;
        });
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    // node:tls reports an altered record as an error without closing the socket.
    socket.on('error', () => socket.destroy());
  }

  static async connect(port: number, options: RawConnectOptions = {}): Promise<RawClient> {
    const host = options.host ?? '127.0.0.1';
    if (options.plain) {
      const socket = net.connect({ port, host });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const raw = new RawClient(socket, null, PLAIN_BINDING);
      raw.features = options.features ?? 0;
      return raw;
    }
    const { socket, relayKey, binding } = await connectRelayTls(port, host, options.localAddress);
    const raw = new RawClient(socket, relayKey, binding, options.trustAnyKey);
    raw.features = options.features ?? 0;
    return raw;
  }

  /** Connect, handshake and register (or log in); resolves with the Ready frame. */
  static async login(
    port: number,
    id: Identity,
    pseudonym: string,
    mode: 'register' | 'login' = 'register',
    options: RawConnectOptions = {},
  ): Promise<{ client: RawClient; ready: FrameOf<'ready'> }> {
    const client = await RawClient.connect(port, options);
    return { client, ready: await client.logIn(id, pseudonym, mode, options) };
  }

  /**
   * Handshake and register (or log in) on this connection; resolves with the Ready frame.
   * Frames that come right behind the Ready (stored mail) may be read in the same chunk,
   * before the caller's next line runs: a caller that counts them sets `onFrame` or
   * `onRawFrame` before this, or takes them from `frames`.
   */
  async logIn(
    id: Identity,
    pseudonym: string,
    mode: 'register' | 'login' = 'register',
    options: Pick<RawConnectOptions, 'readyTimeoutMs' | 'card' | 'quiet'> = {},
  ): Promise<FrameOf<'ready'>> {
    const challenge = await this.hello();
    this.send(this.authFrame(challenge, id, pseudonym, mode, options.card, options.quiet));
    const reply = await this.next(
      (f) => f.type === 'ready' || f.type === 'error',
      options.readyTimeoutMs,
    );
    if (reply.type !== 'ready') {
      throw Object.assign(new Error(`login refused: ${JSON.stringify(reply)}`), {
        code: reply.type === 'error' ? reply.code : 'E_UNEXPECTED',
      });
    }
    return reply;
  }

  async hello(): Promise<FrameOf<'challenge'>> {
    const clientNonce = randomBytes(32);
    this.send({ type: 'hello', version: PROTOCOL_VERSION, clientNonce, features: this.features });
    const f = await this.next((x) => x.type === 'challenge');
    if (f.type !== 'challenge') throw new Error('no challenge');
    if (this.relayKey !== null && !this.trustAnyKey && !bytesEqual(this.relayKey, f.relayId)) {
      throw Object.assign(new Error('the TLS key is not the relay id'), {
        code: 'E_RELAY_TLS_KEY_MISMATCH',
      });
    }
    const ok = verify(f.relayId, domainMessage(TAG_RELAY, clientNonce, f.challenge), f.relaySig);
    if (!ok) throw new Error('relay signature did not verify');
    return f;
  }

  /** A Register or Login for `challenge`, signed over this connection's channel binding. */
  authFrame(
    challenge: FrameOf<'challenge'>,
    id: Identity,
    pseudonym: string,
    mode: 'register' | 'login',
    card?: Card,
    quiet = false,
  ): Frame {
    const tag = mode === 'register' ? TAG_REGISTER_V2 : TAG_LOGIN_V2;
    const msg = authMessage(tag, challenge.relayId, challenge.challenge, this.binding, pseudonym);
    const sig = sign(id.signSk, msg);
    return mode === 'register'
      ? { type: 'register', card: card ?? cardOf(id, pseudonym), sig, quiet }
      : { type: 'login', pseudonym, userId: id.signPk, sig, card: card ?? null, quiet };
  }

  send(f: Frame): void {
    this.writeRaw(framed(encodeFrame(f)));
  }

  /** Raw bytes, coalesced per tick like the real client. */
  writeRaw(buf: Uint8Array): void {
    this.out.push(Buffer.from(buf));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const all = Buffer.concat(this.out);
        this.out = [];
        if (!this.socket.destroyed) this.socket.write(all);
      });
    }
  }

  next(test: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen && this.keep) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(t);
          if (this.keep) this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export { generateIdentity };
