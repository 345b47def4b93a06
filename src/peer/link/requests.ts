/**
 * Request/reply over the relay link, matched by request id: Lookup →
 * LookupResult, GroupChangeRequest → GroupChangeResult, GroupLogRequest →
 * GroupLogResult, FilePut → FilePutResult, FileGet → FileGetResult. Owns the ids and the
 * callers waiting for answers. Each request has a timeout on the injected
 * clock; at most `maxOutstanding` wait at once; a lost link fails every waiting
 * request at once (E_OFFLINE) rather than leaving it to time out.
 */
import { type Clock, systemClock, type Timer } from '../../util/clock.js';
import type { NatterError } from '../../util/errors.js';
import type { Frame, FrameOf } from '../../wire/types.js';
import { LinkCode, linkError } from './errors.js';

/**
 * Each request kind the client sends, and the reply kind that answers it with
 * the same request id. A new request kind is one line here (plus its route in
 * routes.ts, which the compiler asks for).
 */
export interface ReplyKinds {
  lookup: 'lookup-result';
  'group-change': 'group-change-result';
  'group-log-request': 'group-log-result';
  /** Files (docs/files.md): store a transfer's chunks, or resume its upload. */
  'file-put': 'file-put-result';
  /** Files: fetch a transfer's chunks from an index on. */
  'file-get': 'file-get-result';
}

export type RequestType = keyof ReplyKinds;
export type ReplyType = ReplyKinds[RequestType];
/** A request as its caller writes it: the link chooses the id. */
export type RequestBody<K extends RequestType> = Omit<FrameOf<K>, 'type' | 'requestId'>;
export type ReplyTo<K extends RequestType> = FrameOf<ReplyKinds[K]>;

/** A relay on the LAN answers in milliseconds; this only bounds a wedged one. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Requests waiting for replies at once. A client starting with a few hundred
 * contacts looks them all up; the relay serves a burst of 1000 requests
 * (relay/limits.ts requestBurst), so more than this waiting means a caller in a loop.
 */
export const MAX_OUTSTANDING_REQUESTS = 512;

/** Request ids are uint32 on the wire; 0 is left unused so a missing id never matches. */
const MAX_REQUEST_ID = 0xffffffff;

export interface RequestsOptions {
  /** Sends a frame on the live session; false when offline. May throw E_LINK_FULL. */
  send: (frame: Frame) => boolean;
  clock?: Clock;
  /** Default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Default MAX_OUTSTANDING_REQUESTS. */
  maxOutstanding?: number;
  /** The first id handed out. Default 1 (tests start near the uint32 wrap). */
  firstRequestId?: number;
}

interface Waiter {
  type: RequestType;
  expects: ReplyType;
  timer: Timer;
  resolve: (reply: FrameOf<ReplyType>) => void;
  reject: (err: NatterError) => void;
}

export class Requests {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private strays = 0;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxOutstanding: number;

  constructor(private readonly o: RequestsOptions) {
    this.clock = o.clock ?? systemClock;
    this.timeoutMs = o.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.maxOutstanding = o.maxOutstanding ?? MAX_OUTSTANDING_REQUESTS;
    this.nextId = o.firstRequestId ?? 1;
  }

  /** Requests waiting for their reply. */
  get outstanding(): number {
    return this.waiting.size;
  }

  /** Replies that matched no waiting request (late after a timeout, or never asked). */
  get strayReplies(): number {
    return this.strays;
  }

  /**
   * Sends a request and resolves with its reply. Fails with E_OFFLINE when not
   * connected or when the link drops, E_REQUEST_TIMEOUT if unanswered,
   * E_TOO_MANY_REQUESTS over the bound, E_LINK_FULL from a full link.
   */
  request<K extends RequestType>(
    type: K,
    body: RequestBody<K>,
    options: { timeoutMs?: number } = {},
  ): Promise<ReplyTo<K>> {
    if (this.waiting.size >= this.maxOutstanding) {
      return Promise.reject(
        linkError(
          LinkCode.TooManyRequests,
          `${type}: ${this.waiting.size} requests already wait for the relay`,
        ),
      );
    }
    const requestId = this.allocateId();
    const frame = { ...body, type, requestId } as unknown as Frame;
    return new Promise<FrameOf<ReplyType>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(requestId);
        reject(
          linkError(
            LinkCode.RequestTimeout,
            `${type}: the relay did not answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const expects: ReplyType = REPLY_OF[type];
      this.waiting.set(requestId, { type, expects, timer, resolve, reject });
      let sent: boolean;
      try {
        sent = this.o.send(frame);
      } catch (err) {
        this.finish(requestId);
        reject(err);
        return;
      }
      if (!sent) {
        this.finish(requestId);
        reject(linkError(LinkCode.Offline, `${type}: not connected to the relay`));
      }
    }) as Promise<ReplyTo<K>>;
  }

  /** A reply from the relay: settles its request. False if nobody waits for this id. */
  settle(reply: FrameOf<ReplyType>): boolean {
    const waiter = this.finish(reply.requestId);
    if (waiter === undefined) {
      this.strays++;
      return false;
    }
    if (reply.type !== waiter.expects) {
      waiter.reject(
        linkError(
          LinkCode.BadReply,
          `${waiter.type}: the relay answered with ${reply.type}, not ${waiter.expects}`,
        ),
      );
      return true;
    }
    waiter.resolve(reply);
    return true;
  }

  /** The link is gone: nobody will answer these. */
  cancelAll(why = 'the connection to the relay was lost'): void {
    const waiters = [...this.waiting.values()];
    for (const w of waiters) this.clock.clearTimeout(w.timer);
    this.waiting.clear();
    for (const w of waiters) w.reject(linkError(LinkCode.Offline, `${w.type}: ${why}`));
  }

  private finish(requestId: number): Waiter | undefined {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) return undefined;
    this.waiting.delete(requestId);
    this.clock.clearTimeout(waiter.timer);
    return waiter;
  }

  /** The next id not in use; wraps within uint32, skipping 0. */
  private allocateId(): number {
    let id = this.nextId;
    while (this.waiting.has(id)) id = id >= MAX_REQUEST_ID ? 1 : id + 1;
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1;
    return id;
  }
}

/** ReplyKinds as a value, for checking what arrives. */
const REPLY_OF: { [K in RequestType]: ReplyKinds[K] } = {
  lookup: 'lookup-result',
  'group-change': 'group-change-result',
  'group-log-request': 'group-log-result',
  'file-put': 'file-put-result',
  'file-get': 'file-get-result',
};
