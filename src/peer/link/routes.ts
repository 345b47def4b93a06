/**
 * The link's routing table (STYLE.md §6, in the style of src/relay/dispatch.ts):
 * every frame kind names the link phases in which the relay may send it and
 * what handles it, or `null` for kinds only a client sends. Typed over every
 * FrameType, so a new kind without an entry does not compile. A frame outside
 * its phases, or one only clients send, ends the connection (E_UNEXPECTED_FRAME)
 * instead of being ignored.
 */
import { ProtocolCode, ProtocolError } from '../../wire/errors.js';
import type { Frame, FrameOf, FrameType } from '../../wire/types.js';
import type { ReplyType } from './requests.js';

/** Phases of a link with a socket: before the Challenge, before Ready, and ready. */
export type LinkPhase = 'hello' | 'auth' | 'ready';

/** What a ready link hands its owner (everything else it handles itself). */
export type SessionFrame =
  | 'deliver'
  | 'send-ack'
  | 'roster-update'
  | 'group-deliver'
  | 'group-resend-result'
  | 'file-chunk'
  | 'file-chunk-ack'
  | 'store-status';

/** The owner's handlers: typed over SessionFrame, so none can be forgotten. */
export type SessionHandlers = { [T in SessionFrame]: (frame: FrameOf<T>) => void };

/** What routes may ask of the link: its own methods, never its state. */
export interface LinkTarget {
  challenge(frame: FrameOf<'challenge'>): Promise<void>;
  ready(frame: FrameOf<'ready'>): void;
  /** Answers a Ping with a Pong carrying its nonce. */
  ping(frame: FrameOf<'ping'>): void;
  relayError(frame: FrameOf<'error'>): void;
  goodbye(frame: FrameOf<'goodbye'>): void;
  /** A reply to one of our requests (requests.ts). */
  reply(frame: FrameOf<ReplyType>): void;
  readonly owner: SessionHandlers;
}

export interface Route<T extends FrameType> {
  phases: readonly LinkPhase[];
  handle: (link: LinkTarget, frame: FrameOf<T>) => void | Promise<void>;
}

/** One entry per frame kind: a route for what the relay sends, null for what only clients send. */
export type RouteTable = { [T in FrameType]: Route<T> | null };

const READY = ['ready'] as const;
const ANY = ['hello', 'auth', 'ready'] as const;

export const routes: RouteTable = {
  challenge: { phases: ['hello'], handle: (link, f) => link.challenge(f) },
  ready: { phases: ['auth'], handle: (link, f) => link.ready(f) },
  error: { phases: ANY, handle: (link, f) => link.relayError(f) },
  goodbye: { phases: ANY, handle: (link, f) => link.goodbye(f) },
  ping: { phases: READY, handle: (link, f) => link.ping(f) },
  // Any frame counts as a sign of life (keepalive.ts); a Pong needs nothing more.
  pong: { phases: READY, handle: () => undefined },
  'lookup-result': { phases: READY, handle: (link, f) => link.reply(f) },
  deliver: { phases: READY, handle: (link, f) => link.owner.deliver(f) },
  'send-ack': { phases: READY, handle: (link, f) => link.owner['send-ack'](f) },
  'roster-update': { phases: READY, handle: (link, f) => link.owner['roster-update'](f) },
  'group-deliver': { phases: READY, handle: (link, f) => link.owner['group-deliver'](f) },
  'group-change-result': { phases: READY, handle: (link, f) => link.reply(f) },
  'group-log-result': { phases: READY, handle: (link, f) => link.reply(f) },
  // In the order of the group's items: where those sent again begin (groups/resend.ts).
  'group-resend-result': {
    phases: READY,
    handle: (link, f) => link.owner['group-resend-result'](f),
  },
  // Files (docs/files.md): replies to our requests, then the chunks and acks of transfers.
  'file-put-result': { phases: READY, handle: (link, f) => link.reply(f) },
  'file-get-result': { phases: READY, handle: (link, f) => link.reply(f) },
  'file-chunk': { phases: READY, handle: (link, f) => link.owner['file-chunk'](f) },
  'file-chunk-ack': { phases: READY, handle: (link, f) => link.owner['file-chunk-ack'](f) },
  // Before Ready too: it says what Ready's pending count is worth (link/store-state.ts).
  'store-status': { phases: ['auth', 'ready'], handle: (link, f) => link.owner['store-status'](f) },
  // Client-to-relay only:
  hello: null,
  register: null,
  login: null,
  send: null,
  'deliver-ack': null,
  lookup: null,
  'set-status': null,
  'group-change': null,
  'group-send': null,
  'group-ack': null,
  'group-log-request': null,
  'group-resend': null,
  'file-put': null,
  'file-get': null,
  'file-done': null,
  'file-policy': null,
};

/** Runs the frame's route; throws E_UNEXPECTED_FRAME for a frame not allowed in `phase`. */
export function route(link: LinkTarget, phase: LinkPhase, frame: Frame): void | Promise<void> {
  const r = routes[frame.type] as Route<FrameType> | null;
  if (r === null || !r.phases.includes(phase)) {
    throw new ProtocolError(
      ProtocolCode.UnexpectedFrame,
      `link: the relay sent ${frame.type}, which is not allowed ${r === null ? 'from a relay' : `in phase ${phase}`}`,
    );
  }
  return r.handle(link, frame as FrameOf<FrameType>);
}
