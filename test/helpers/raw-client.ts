/**
 * A minimal protocol client over a real socket: handshake, send, receive, ack.
 * For relay tests and the benchmark, which need the wire without the client
 * core's stores. It does check the relay's signature on the challenge.
 */
import net from 'node:net';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import {
  domainMessage,
  sign,
  TAG_LOGIN,
  TAG_REGISTER,
  TAG_RELAY,
  verify,
} from '../../src/crypto/sign.js';
import { utf8 } from '../../src/util/bytes.js';
import { decodeFrame, encodeFrame } from '../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../src/wire/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/wire/limits.js';
import type { Card, Frame, FrameOf } from '../../src/wire/types.js';

export function cardOf(id: Identity, pseudonym: string): Card {
  return { userId: id.signPk, pseudonym, boxPk: id.boxPk, boxSig: id.boxSig };
}

export class RawClient {
  readonly socket: net.Socket;
  readonly frames: Frame[] = [];
  /** Every frame kind the client has seen, for waiting on. */
  private waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private out: Buffer[] = [];
  private scheduled = false;
  onFrame: ((f: Frame) => void) | null = null;
  /** Sees each frame's bytes first; returning true skips decoding it (the benchmark's lean path). */
  onRawFrame: ((bytes: Uint8Array) => boolean) | null = null;
  /** Keep received frames in `frames` (tests); the benchmark turns this off. */
  keep = true;
  closed: Promise<void>;

  private constructor(socket: net.Socket) {
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
    socket.on('error', () => {});
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = net.connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connect, handshake and register (or log in); resolves with the Ready frame. */
  static async login(
    port: number,
    id: Identity,
    pseudonym: string,
    mode: 'register' | 'login' = 'register',
  ): Promise<{ client: RawClient; ready: FrameOf<'ready'> }> {
    const client = await RawClient.connect(port);
    const challenge = await client.hello();
    const parts = [challenge.relayId, challenge.challenge, utf8(pseudonym)] as const;
    if (mode === 'register') {
      client.send({
        type: 'register',
        card: cardOf(id, pseudonym),
        sig: sign(id.signSk, domainMessage(TAG_REGISTER, ...parts)),
      });
    } else {
      client.send({
        type: 'login',
        pseudonym,
        userId: id.signPk,
        sig: sign(id.signSk, domainMessage(TAG_LOGIN, ...parts)),
        card: null,
      });
    }
    const reply = await client.next((f) => f.type === 'ready' || f.type === 'error');
    if (reply.type !== 'ready') {
      throw Object.assign(new Error(`login refused: ${JSON.stringify(reply)}`), {
        code: reply.type === 'error' ? reply.code : 'E_UNEXPECTED',
      });
    }
    return { client, ready: reply };
  }

  async hello(): Promise<FrameOf<'challenge'>> {
    const clientNonce = randomBytes(32);
    this.send({ type: 'hello', version: PROTOCOL_VERSION, clientNonce });
    const f = await this.next((x) => x.type === 'challenge');
    if (f.type !== 'challenge') throw new Error('no challenge');
    const ok = verify(f.relayId, domainMessage(TAG_RELAY, clientNonce, f.challenge), f.relaySig);
    if (!ok) throw new Error('relay signature did not verify');
    return f;
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
