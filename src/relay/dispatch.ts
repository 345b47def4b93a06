/**
 * The dispatch table (STYLE.md §6): every frame kind names the states in which
 * a client may send it and its handler, or `null` for kinds only the relay
 * sends. The table is typed over every FrameType, so a new kind without an
 * entry does not compile. State checks happen here, once, never in handlers.
 */
import { ProtocolCode, ProtocolError } from '../wire/errors.js';
import type { Frame, FrameOf, FrameType } from '../wire/types.js';
import { onLogin, onRegister } from './handlers/auth.js';
import { onError, onGoodbye, onPing, onPong } from './handlers/control.js';
import { onDeliverAck } from './handlers/deliver-ack.js';
import { onHello } from './handlers/hello.js';
import { onLookup } from './handlers/lookup.js';
import { onSend } from './handlers/send.js';
import { onSetStatus } from './handlers/status.js';
import type { Session, SessionState } from './session.js';

export interface Route<T extends FrameType> {
  states: readonly SessionState[];
  handle: (session: Session, frame: FrameOf<T>) => void;
}

type Table = { [T in FrameType]: Route<T> | null };

const READY = ['ready'] as const;

export const routes: Table = {
  hello: { states: ['hello'], handle: onHello },
  register: { states: ['challenge'], handle: onRegister },
  login: { states: ['challenge'], handle: onLogin },
  send: { states: READY, handle: onSend },
  'deliver-ack': { states: READY, handle: onDeliverAck },
  lookup: { states: READY, handle: onLookup },
  'set-status': { states: READY, handle: onSetStatus },
  ping: { states: ['challenge', 'ready'], handle: onPing },
  pong: { states: ['challenge', 'ready'], handle: onPong },
  goodbye: { states: ['hello', 'challenge', 'auth', 'ready'], handle: onGoodbye },
  error: { states: ['hello', 'challenge', 'auth', 'ready'], handle: onError },
  // Relay-to-client only:
  challenge: null,
  ready: null,
  'send-ack': null,
  deliver: null,
  'lookup-result': null,
  'roster-update': null,
};

export function dispatch(session: Session, frame: Frame): void {
  const route = routes[frame.type] as Route<FrameType> | null;
  if (route === null) {
    throw new ProtocolError(
      ProtocolCode.UnexpectedFrame,
      `dispatch: a client may not send ${frame.type}`,
    );
  }
  if (!route.states.includes(session.state)) {
    throw new ProtocolError(
      ProtocolCode.UnexpectedFrame,
      `dispatch: ${frame.type} is not allowed in state ${session.state}`,
    );
  }
  route.handle(session, frame as FrameOf<FrameType>);
}
