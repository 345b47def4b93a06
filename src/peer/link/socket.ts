/**
 * One socket of the link: owns the Duplex, its frame decoder (with the
 * pre-login cap until lifted), its writer, and the order in which frames are
 * handled (one at a time: a handler may wait, e.g. for the relay pin check,
 * and the next frame must not overtake it). After destroy() it reports nothing
 * more, so a late event from an old socket never touches the next one.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../../util/clock.js';
import { decodeFrame } from '../../wire/codec.js';
import { FrameDecoder } from '../../wire/framing.js';
import { MAX_FRAME_BYTES, MAX_PRELOGIN_FRAME_BYTES } from '../../wire/limits.js';
import type { Frame } from '../../wire/types.js';
import { FrameWriter, type FrameWriterOptions } from './writer.js';

/** Logout waits this long for the relay to close after our Goodbye: it takes milliseconds. */
export const LOGOUT_TIMEOUT_MS = 1_000;

export interface LinkSocketHooks {
  /** Bytes arrived (before decoding): the relay is alive. */
  heard: () => void;
  /** One decoded frame; the next waits until a returned promise settles. */
  frame: (frame: Frame) => void | Promise<void>;
  /** Bytes that do not decode (or break a limit): a broken relay, never a verdict on it. */
  garbage: (err: unknown) => void;
  /** A frame handler threw. */
  failed: (err: unknown) => void;
  /** The socket closed under us (not after destroy()). */
  closed: () => void;
  /** A socket error, for the log; 'close' follows. */
  error: (err: Error) => void;
}

export class LinkSocket {
  readonly writer: FrameWriter;
  private readonly decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
  private chain: Promise<void> = Promise.resolve();
  private live = true;

  constructor(
    private readonly socket: Duplex,
    private readonly hooks: LinkSocketHooks,
    writerOptions: FrameWriterOptions = {},
  ) {
    this.writer = new FrameWriter(socket, writerOptions);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      if (this.live) this.hooks.error(err);
      // node:tls reports a record that does not authenticate (altered bytes) as an error
      // without closing; nothing after it can be trusted, so the socket goes ('close' follows).
      socket.destroy();
    });
    socket.on('close', () => {
      this.writer.close();
      if (!this.live) return;
      this.live = false;
      this.hooks.closed();
    });
  }

  send(frame: Frame): void {
    this.writer.write(frame);
  }

  /** A frame encoded already, length prefix included (writer.ts writeFramed). */
  sendFramed(bytes: Buffer): void {
    this.writer.writeFramed(bytes);
  }

  /** After the relay proved its key: post-login frames may be larger. */
  liftFrameLimit(): void {
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
  }

  /** Silences this socket for good and closes it. Safe to repeat. */
  destroy(): void {
    this.live = false;
    this.writer.close();
    this.socket.destroy();
  }

  /**
   * Writes what is queued, ends the socket, and resolves once it closed or after
   * `timeoutMs` (a relay that never closes its side must not hold up a logout).
   */
  end(clock: Clock, timeoutMs = LOGOUT_TIMEOUT_MS): Promise<void> {
    this.live = false;
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = clock.setTimeout(resolve, timeoutMs);
      this.socket.once('close', () => {
        clock.clearTimeout(timer);
        resolve();
      });
      this.writer.end();
    });
  }

  private onData(chunk: Buffer): void {
    if (!this.live) return;
    this.hooks.heard();
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk).map((bytes) => decodeFrame(bytes));
    } catch (err) {
      // A relay that sends garbage costs us this connection, nothing more (STYLE.md §4).
      this.hooks.garbage(err);
      return;
    }
    for (const frame of frames) {
      this.chain = this.chain
        .then(() => (this.live ? this.hooks.frame(frame) : undefined))
        .catch((err: unknown) => {
          if (this.live) this.hooks.failed(err);
        });
    }
  }
}
