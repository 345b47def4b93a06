/**
 * One client connection. Owns the state machine (DESIGN.md §4), the frame
 * decoder, coalesced writes, and the delivery cursor; takes any Duplex, so unit
 * tests can drive it through an in-memory pair. Hostile input ends this session
 * with a coded Error frame, never the relay.
 */
import type { Duplex } from 'node:stream';
import { describeError } from '../util/errors.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { FrameDecoder, frame as framed, lengthPrefix } from '../wire/framing.js';
import { MAX_FRAME_BYTES, MAX_PRELOGIN_FRAME_BYTES } from '../wire/limits.js';
import type { Card, Frame, Status } from '../wire/types.js';
import type { RelayContext } from './context.js';
import { dispatch } from './dispatch.js';
import type { StoredMail } from './mailbox.js';

export type SessionState = 'hello' | 'challenge' | 'auth' | 'ready' | 'closing';

let nextSessionId = 1;

export class Session {
  readonly id = nextSessionId++;
  state: SessionState = 'hello';
  /** Set by the Hello handler. */
  challenge: Uint8Array | null = null;
  /** Set on login. */
  card: Card | null = null;
  userHex = '';
  status: Status = 'online';
  statusText = '';
  readonly connectedAtMs: number;

  private readonly decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private inflightSends = 0;
  private paused = false;
  private timer: object | null = null;
  private lastFrameAtMs: number;

  // Delivery: `cursor` is the highest seq pushed on this connection. While
  // `catchingUp`, pushes come from the store (pump) instead of the live path.
  private cursor = 0;
  private catchingUp = false;
  private pumping = false;
  private latestOffered = 0;

  constructor(
    private readonly stream: Duplex,
    readonly ctx: RelayContext,
    readonly remote: string,
  ) {
    this.connectedAtMs = ctx.clock.now();
    this.lastFrameAtMs = this.connectedAtMs;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => void this.pump());
    stream.on('error', () => {
      // 'close' follows; a reset by the peer is not worth a log line.
    });
    stream.on('close', () => this.onClose());
    this.armTimer(ctx.limits.handshakeTimeoutMs, 'E_HANDSHAKE_TIMEOUT', 'handshake took too long');
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.outBytes + this.stream.writableLength;
  }

  send(frame: Frame): void {
    this.sendEncoded(encodeFrame(frame));
  }

  /**
   * Queues an encoded frame body; all frames of one turn go out in one write.
   * The prefix and the body are queued side by side (the body is never mutated
   * after encoding), so each byte is copied once, into the turn's single write.
   */
  sendEncoded(body: Uint8Array): void {
    if (this.state === 'closing') return;
    const prefix = lengthPrefix(body.byteLength);
    this.out.push(prefix, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.outBytes += prefix.length + body.byteLength;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Moves to `ready`: lifts the frame limit and starts delivering stored mail. */
  becomeReady(card: Card): void {
    this.state = 'ready';
    this.card = card;
    this.userHex = Buffer.from(card.userId).toString('hex');
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    this.armTimer(this.ctx.limits.idleTimeoutMs, 'E_IDLE_TIMEOUT', 'no frame for too long');
    this.catchingUp = true;
    void this.pump();
  }

  /** Live path: the hub offers each newly stored mail for this user. */
  offer(mail: StoredMail): void {
    if (this.state !== 'ready' || mail.seq <= this.cursor) return;
    if (this.catchingUp || this.bufferedBytes >= this.ctx.limits.maxSessionBufferedBytes) {
      // Slow reader: stop pushing; the mail is durable and the pump reads it back on drain.
      if (mail.seq > this.latestOffered) this.latestOffered = mail.seq;
      if (!this.catchingUp) this.catchingUp = true;
      return;
    }
    this.sendEncoded(mail.frame);
    this.cursor = mail.seq;
  }

  /**
   * Mail still being written (docs/decisions.md, "Deliver while storing"): pushed
   * only to a live session that is keeping up and has already been pushed the
   * recipient's previous mail (`prevSeq`), so nothing before it can be missing.
   * Anything else waits for `offer`, once the mail is durable; pushes stay in
   * seq order either way.
   */
  offerEarly(mail: StoredMail, prevSeq: number): void {
    if (this.state !== 'ready' || this.catchingUp || this.cursor !== prevSeq) return;
    if (this.bufferedBytes >= this.ctx.limits.maxSessionBufferedBytes) return;
    this.sendEncoded(mail.frame);
    this.cursor = mail.seq;
  }

  /** Counts a Send awaiting its durable ack; stops reading the socket past the limit. */
  sendStarted(): void {
    this.inflightSends++;
    if (!this.paused && this.inflightSends >= this.ctx.limits.maxInflightSendsPerSession) {
      this.paused = true;
      this.stream.pause();
    }
  }

  sendFinished(): void {
    this.inflightSends--;
    if (this.paused && this.inflightSends < this.ctx.limits.maxInflightSendsPerSession / 2) {
      this.paused = false;
      this.stream.resume();
    }
  }

  /** Ends the session with a coded Error frame (protocol fault or refusal). */
  fail(code: string, message: string): void {
    if (this.isClosing()) return;
    this.ctx.log.info('session closed on error', { session: this.id, code, remote: this.remote });
    this.out.push(framed(encodeFrame({ type: 'error', code, message: message.slice(0, 200) })));
    this.close();
  }

  /** Ends the session cleanly: flush what is queued, then close. Idempotent. */
  close(goodbye?: string): void {
    if (this.isClosing()) return;
    if (goodbye !== undefined)
      this.out.push(framed(encodeFrame({ type: 'goodbye', reason: goodbye })));
    this.flush();
    this.state = 'closing';
    this.stream.end();
    // A peer that never reads its last bytes must not hold the socket open.
    const t = setTimeout(() => this.stream.destroy(), 2_000);
    t.unref();
  }

  /** A method, not a field read: handlers change `state` behind TypeScript's narrowing. */
  isClosing(): boolean {
    return this.state === 'closing';
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const { code, message } = describeError(err);
      this.fail(code, message);
      return;
    }
    if (frames.length > 0) this.lastFrameAtMs = this.ctx.clock.now();
    for (const bytes of frames) {
      if (this.isClosing()) return;
      try {
        dispatch(this, decodeFrame(bytes));
      } catch (err) {
        const { code, message } = describeError(err);
        this.fail(code, message);
        return;
      }
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.stream.destroyed) return;
    const buf = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.stream.write(buf);
    // If the kernel took it all, no 'drain' will come: a stalled catch-up resumes here.
    if (this.catchingUp && !this.pumping && this.state === 'ready') void this.pump();
  }

  /** Catch-up: reads stored mail after the cursor until caught up or the socket is full. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { mailbox, limits } = this.ctx;
    try {
      while (this.state === 'ready' && this.catchingUp) {
        if (this.bufferedBytes >= limits.maxSessionBufferedBytes) return; // resumed by 'drain'
        const { mails, done } = await mailbox.read(
          this.userHex,
          this.cursor,
          limits.catchUpBatchMessages,
        );
        if (this.state !== 'ready') return;
        let full = false;
        for (const mail of mails) {
          if (mail.seq <= this.cursor) continue;
          if (this.bufferedBytes >= limits.maxSessionBufferedBytes) {
            full = true;
            break;
          }
          this.sendEncoded(mail.frame);
          this.cursor = mail.seq;
        }
        if (!full && done && this.cursor >= this.latestOffered) this.catchingUp = false;
      }
    } catch (err) {
      this.ctx.log.error('catch-up read failed', { session: this.id, ...describeError(err) });
      this.fail('E_INTERNAL', 'relay could not read stored mail');
    } finally {
      this.pumping = false;
    }
  }

  private armTimer(ms: number, code: string, message: string): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    const check = () => {
      if (this.state === 'closing') return;
      if (code === 'E_IDLE_TIMEOUT') {
        const idle = this.ctx.clock.now() - this.lastFrameAtMs;
        if (idle < ms) {
          this.timer = this.ctx.clock.setTimeout(check, ms - idle);
          return;
        }
      } else if (this.state === 'ready') {
        return;
      }
      this.fail(code, message);
    };
    this.timer = this.ctx.clock.setTimeout(check, ms);
  }

  private onClose(): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
    this.state = 'closing';
    this.out = [];
    this.outBytes = 0;
    this.ctx.hub.remove(this);
  }
}
