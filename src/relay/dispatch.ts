/**
 * The dispatch table (STYLE.md §6): every frame kind names the states in which
 * a client may send it, its rate class, and its handler, or `null` for kinds
 * only the relay sends. The table is typed over every FrameType, so a new kind
 * without an entry does not compile. State and rate checks happen here, once,
 * never in handlers.
 *
 * Rate classes (issue 8): a frame whose class has no token left is not
 * handled now; the session holds it and stops reading until a token is due, so
 * a flood of cheap requests (Pings before login, Lookups after) costs the
 * relay neither memory nor the CPU the other users need. Group changes (a
 * signature check each), log requests and resends (store reads) are requests too.
 * Sends and acks, 1:1 and group, are not rated: their cost is bounded by sends
 * in flight and by the store. File puts, gets, outcomes and policies are requests
 * (a store write or a stream each); chunks and acks are not rated: uploads are bounded
 * by fileUploadPendingBytes (the read gate), downloads by their window and the
 * session's output budget.
 */
import { ProtocolCode, ProtocolError } from '../wire/errors.js';
import type { Frame, FrameOf, FrameType } from '../wire/types.js';
import { onLogin, onRegister } from './handlers/auth.js';
import { onError, onGoodbye, onPing, onPong } from './handlers/control.js';
import { onDeliverAck } from './handlers/deliver-ack.js';
import { onFileChunk } from './handlers/file-chunk.js';
import { onFileChunkAck } from './handlers/file-chunk-ack.js';
import { onFileDone } from './handlers/file-done.js';
import { onFileGet } from './handlers/file-get.js';
import { onFilePolicy } from './handlers/file-policy.js';
import { onFilePut } from './handlers/file-put.js';
import { onGroupAck } from './handlers/group-ack.js';
import { onGroupChange } from './handlers/group-change.js';
import { onGroupLogRequest } from './handlers/group-log.js';
import { onGroupResend } from './handlers/group-resend.js';
import { onGroupSend } from './handlers/group-send.js';
import { onHello } from './handlers/hello.js';
import { onLookup } from './handlers/lookup.js';
import { onSend } from './handlers/send.js';
import { onSetStatus } from './handlers/status.js';
import type { Session, SessionState } from './session.js';

/** `handshake`: every frame before login; `request`: replies the relay computes on demand. */
export type RateClass = 'handshake' | 'request';

export interface Route<T extends FrameType> {
  states: readonly SessionState[];
  /** Rated frames use a token of the session's bucket for that class; null: not rated. */
  rate: RateClass | null;
  handle: (session: Session, frame: FrameOf<T>) => void;
}

type Table = { [T in FrameType]: Route<T> | null };

const READY = ['ready'] as const;

const PRE_LOGIN = ['hello', 'challenge', 'auth'] as const;

export const routes: Table = {
  hello: { states: ['hello'], rate: 'handshake', handle: onHello },
  register: { states: ['challenge'], rate: 'handshake', handle: onRegister },
  login: { states: ['challenge'], rate: 'handshake', handle: onLogin },
  send: { states: READY, rate: null, handle: onSend },
  'deliver-ack': { states: READY, rate: null, handle: onDeliverAck },
  lookup: { states: READY, rate: 'request', handle: onLookup },
  'set-status': { states: READY, rate: 'request', handle: onSetStatus },
  ping: { states: ['challenge', 'ready'], rate: 'request', handle: onPing },
  pong: { states: ['challenge', 'ready'], rate: 'request', handle: onPong },
  'group-change': { states: READY, rate: 'request', handle: onGroupChange },
  'group-log-request': { states: READY, rate: 'request', handle: onGroupLogRequest },
  'group-send': { states: READY, rate: null, handle: onGroupSend },
  'group-ack': { states: READY, rate: null, handle: onGroupAck },
  'group-resend': { states: READY, rate: 'request', handle: onGroupResend },
  'file-put': { states: READY, rate: 'request', handle: onFilePut },
  'file-chunk': { states: READY, rate: null, handle: onFileChunk },
  'file-chunk-ack': { states: READY, rate: null, handle: onFileChunkAck },
  'file-get': { states: READY, rate: 'request', handle: onFileGet },
  'file-done': { states: READY, rate: 'request', handle: onFileDone },
  'file-policy': { states: READY, rate: 'request', handle: onFilePolicy },
  goodbye: { states: [...PRE_LOGIN, 'ready'], rate: null, handle: onGoodbye },
  error: { states: [...PRE_LOGIN, 'ready'], rate: null, handle: onError },
  // Relay-to-client only:
  challenge: null,
  ready: null,
  'send-ack': null,
  deliver: null,
  'lookup-result': null,
  'roster-update': null,
  'group-change-result': null,
  'group-deliver': null,
  'group-log-result': null,
  'group-resend-result': null,
  'file-put-result': null,
  'file-get-result': null,
  'store-status': null,
};

/**
 * Checks the frame's route and runs its handler. Returns false, without
 * handling it, when its rate class has no token: the caller keeps the frame and
 * offers it again later. Throws ProtocolError for frames not allowed now.
 */
export function dispatch(session: Session, frame: Frame): boolean {
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
  // Before login every frame counts as handshake, whatever its class after.
  const rate = session.state === 'ready' ? route.rate : 'handshake';
  if (rate !== null && !session.takeToken(rate)) return false;
  route.handle(session, frame as FrameOf<FrameType>);
  return true;
}
