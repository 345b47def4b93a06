import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

export function onPing(session: Session, frame: FrameOf<'ping'>): void {
  session.send({ type: 'pong', nonce: frame.nonce });
}

export function onPong(_session: Session, _frame: FrameOf<'pong'>): void {
  // Any frame resets the idle timer; nothing else to do.
}

/** Goodbye: the client logs out; close at once so others see it leave. */
export function onGoodbye(session: Session, _frame: FrameOf<'goodbye'>): void {
  session.close();
}

/** A client reporting a fault ends its session too. */
export function onError(session: Session, frame: FrameOf<'error'>): void {
  session.ctx.log.info('client reported an error', { session: session.id, code: frame.code });
  session.close();
}
