/**
 * A compromised relay, for tests: the real relay of this process (integration
 * tests run it in-process), made to rewrite or drop the frames it sends. A proxy
 * cannot play this part since issue 10: one that terminates the client's TLS is
 * refused by the client, and one that only forwards bytes cannot read or change
 * a frame. What the relay itself sends is what it may lie about.
 */
import type { KeptAckCode } from '../../src/relay/outbound.js';
import { Session } from '../../src/relay/session.js';
import { decodeFrame, encodeFrame } from '../../src/wire/codec.js';
import { FrameDecoder, frame as framePayload } from '../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../src/wire/limits.js';
import type { Frame } from '../../src/wire/types.js';

/** What to send instead of `frame`: the same object (unchanged), another frame, or null (drop it). */
export type FrameRewrite = (frame: Frame) => Frame | null;

/**
 * Makes every relay session in this process pass each frame it sends through
 * `rewrite`. Returns the undo; call it in afterEach even when a test failed.
 */
export function forgeRelayFrames(rewrite: FrameRewrite): () => void {
  const proto = Session.prototype;
  const original = proto.sendEncoded;
  const originalKept = proto.sendKeptAck;
  const originalFramed = proto.sendFramed;
  const originalRoster = proto.sendRoster;
  const forged = (send: (this: Session, body: Uint8Array) => void) =>
    function (this: Session, body: Uint8Array): void {
      const frame = decodeFrame(body);
      const out = rewrite(frame);
      if (out === null) return;
      send.call(this, out === frame ? body : encodeFrame(out));
    };
  proto.sendEncoded = forged(original);
  // Durable SendAcks go out through sendKeptAck (they may wait for the next frame).
  proto.sendKeptAck = function (this: Session, msgId: Uint8Array, code: KeptAckCode): void {
    const ack: Frame = { type: 'send-ack', msgId, code, reason: '' };
    const out = rewrite(ack);
    if (out === null) return;
    if (out === ack) originalKept.call(this, msgId, code);
    else original.call(this, encodeFrame(out));
  };
  // Group items go out as shared, already framed bytes (one encoding for every member).
  proto.sendFramed = function (this: Session, framed: Buffer): void {
    for (const body of new FrameDecoder(MAX_FRAME_BYTES).push(framed)) {
      const frame = decodeFrame(body);
      const out = rewrite(frame);
      if (out === null) continue;
      originalFramed.call(
        this,
        out === frame ? Buffer.from(framed) : framePayload(encodeFrame(out)),
      );
    }
  };
  // Roster frames: shared too, forged one by one like group items.
  proto.sendRoster = function (this: Session, frames: readonly Buffer[]): void {
    for (const framed of frames) proto.sendFramed.call(this, framed);
  };
  return () => {
    proto.sendRoster = originalRoster;
    proto.sendEncoded = original;
    proto.sendKeptAck = originalKept;
    proto.sendFramed = originalFramed;
  };
}
