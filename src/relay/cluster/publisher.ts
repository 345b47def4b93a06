/**
 * JetStream publishes at the relay's rate (issue 15). The client library's
 * `js.publish` is a request: a timer, a deferred and, on every success, an Error
 * object (its cancel path) per message, which at load cost the relay a fifth of
 * its CPU. Here every publish goes out with a reply subject under one inbox this
 * relay subscribes to once; acks are matched by the id at its end, and one sweep
 * every PUBLISH_SWEEP_MS fails those that waited PUBLISH_TIMEOUT_MS (retry.ts
 * then tries them again, under the same message id, so none is stored twice).
 */
import {
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { randomBytes } from '../../crypto/random.js';
import { toHex } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { TickBatcher } from '../../util/tick-batcher.js';

/** The header a publish carries its message id in (JetStream's duplicate window). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** One attempt's wait for its ack. */
export const PUBLISH_TIMEOUT_MS = 2_000;
const PUBLISH_SWEEP_MS = 250;

export interface PubAck {
  seq: number;
  duplicate: boolean;
}

/** A publish that failed: `code` is JetStream's err_code where it gave one (retry.ts isFinal). */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

interface Outgoing {
  id: number;
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
}

/** What a stream holds at a seq (STREAM.MSG.GET), as far as a delete needs to know. */
export interface StoredAt {
  subject: string;
  /** Its Nats-Msg-Id header, if it has one. */
  msgId: string | null;
}

interface Waiting {
  resolve: (ack: PubAck) => void;
  reject: (err: PublishError) => void;
  deadline: number;
  /** A message delete (STREAM.MSG.DELETE): its answer has no seq. */
  deletes?: true;
  /** A read by seq (STREAM.MSG.GET): the answer goes to `got` instead. */
  got?: (at: StoredAt | null) => void;
}

/** JetStream's "no message found". */
const NO_MESSAGE = 10037;

/**
 * A delete of a message already gone: "no message found" (10037), or "message delete
 * failed: no message found" (10057, what 2.9 answers STREAM.MSG.DELETE for a deleted seq).
 */
function alreadyGone(error: { err_code?: number; description?: string } | undefined): boolean {
  if (error?.err_code === NO_MESSAGE) return true;
  // "message delete failed: no message found", "... sequence N not found": the seq is
  // not (or no longer) stored (both seen with 10057; a trial logged them as failures).
  return /no message found|sequence \d+ not found/i.test(error?.description ?? '');
}

function storedAt(m: { subject?: string; hdrs?: string }): StoredAt {
  const hdrs = m.hdrs ? Buffer.from(m.hdrs, 'base64').toString('latin1') : '';
  const msgId = /\r\nNats-Msg-Id:\s*([^\r\n]*)/i.exec(hdrs)?.[1]?.trim() ?? null;
  return { subject: m.subject ?? '', msgId };
}

export class Publisher {
  private readonly prefix = `_INBOX.natter.${toHex(randomBytes(8))}.`;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sub: Subscription;
  private timer: Timer | null = null;
  private next = 0;
  private readonly outgoing = new TickBatcher<Outgoing>((items) => this.send(items));

  constructor(
    private readonly nc: NatsConnection,
    private readonly clock: Clock,
  ) {
    this.sub = nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (!err) this.answer(msg);
      },
    });
  }

  publish(subject: string, data: Uint8Array, msgId: string): Promise<PubAck> {
    const id = ++this.next;
    const h = headers();
    h.set(MSG_ID_HEADER, msgId);
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, deadline: this.clock.now() + PUBLISH_TIMEOUT_MS });
      this.outgoing.push({ id, subject, data, headers: h });
      this.timer ??= this.arm();
    });
  }

  /**
   * Deletes the message at `seq` of `stream` (STREAM.MSG.DELETE, without erasing it):
   * resolves once JetStream did it, or found it gone already. One message at a time:
   * nats-server 2.9 replays a purge limited to subjects as a purge of everything before
   * it when a node recovers (docs/decisions.md "No purges"), so nothing here purges.
   */
  deleteMessage(stream: string, seq: number): Promise<void> {
    const id = ++this.next;
    const data = new TextEncoder().encode(JSON.stringify({ seq, no_erase: true }));
    const subject = `$JS.API.STREAM.MSG.DELETE.${stream}`;
    return new Promise<void>((resolve, reject) => {
      const deadline = this.clock.now() + PUBLISH_TIMEOUT_MS;
      this.waiting.set(id, { resolve: () => resolve(), reject, deadline, deletes: true });
      this.outgoing.push({ id, subject, data });
      this.timer ??= this.arm();
    });
  }

  /**
   * The subject and message id stored at `seq` of `stream`, or null if nothing is
   * (STREAM.MSG.GET through the same inbox: a delete checks what it deletes first).
   */
  storedAt(stream: string, seq: number): Promise<StoredAt | null> {
    const id = ++this.next;
    const data = new TextEncoder().encode(JSON.stringify({ seq }));
    const subject = `$JS.API.STREAM.MSG.GET.${stream}`;
    return new Promise<StoredAt | null>((resolve, reject) => {
      const deadline = this.clock.now() + PUBLISH_TIMEOUT_MS;
      this.waiting.set(id, { resolve: () => {}, got: resolve, reject, deadline });
      this.outgoing.push({ id, subject, data });
      this.timer ??= this.arm();
    });
  }

  /**
   * Deletes the message at `seq` of `stream` if it still is the one meant (its subject and
   * message id): true once deleted or found gone, false if another message is there.
   */
  async deleteIfStill(
    stream: string,
    seq: number,
    subject: string,
    msgId: string | null,
  ): Promise<boolean> {
    const at = await this.storedAt(stream, seq);
    if (at === null) return true;
    if (at.subject !== subject || (msgId !== null && at.msgId !== msgId)) return false;
    await this.deleteMessage(stream, seq);
    return true;
  }

  /**
   * A turn's publishes in one burst: the client library writes what is queued
   * at its next microtask, so publishes from many sessions' reads would each
   * cost a socket write; together they cost one.
   */
  private send(items: Outgoing[]): void {
    for (const o of items) {
      try {
        const reply = this.prefix + o.id;
        this.nc.publish(o.subject, o.data, o.headers ? { reply, headers: o.headers } : { reply });
      } catch (err) {
        const w = this.waiting.get(o.id);
        this.waiting.delete(o.id);
        w?.reject(new PublishError(`publish: ${(err as Error).message}`));
      }
    }
  }

  close(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.sub.unsubscribe();
    for (const w of this.waiting.values()) w.reject(new PublishError('publish: closed'));
    this.waiting.clear();
  }

  private answer(msg: Msg): void {
    const id = Number(msg.subject.slice(this.prefix.length));
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    // No stream took it (it is being moved, or has no leader yet): a 503 status, no body.
    if (msg.headers?.code === 503) {
      w.reject(new PublishError('publish: no responders'));
      return;
    }
    try {
      const a = msg.json<{
        seq?: number;
        duplicate?: boolean;
        success?: boolean;
        error?: { err_code?: number; description?: string };
        message?: { subject?: string; hdrs?: string };
      }>();
      if (w.got && (a.message || a.error?.err_code === NO_MESSAGE)) {
        w.got(a.message ? storedAt(a.message) : null);
      } else if (w.deletes && (a.success === true || alreadyGone(a.error))) {
        w.resolve({ seq: 0, duplicate: false });
      } else if (a.error)
        w.reject(
          new PublishError(`publish: ${a.error.description ?? 'refused'}`, a.error.err_code),
        );
      else if (typeof a.seq === 'number')
        w.resolve({ seq: a.seq, duplicate: a.duplicate === true });
      else w.reject(new PublishError('publish: an ack without a seq'));
    } catch {
      w.reject(new PublishError('publish: an ack that does not parse'));
    }
  }

  private arm(): Timer {
    const t = this.clock.setTimeout(() => {
      this.timer = null;
      const now = this.clock.now();
      for (const [id, w] of this.waiting) {
        if (w.deadline > now) continue;
        this.waiting.delete(id);
        w.reject(new PublishError('publish: timed out'));
      }
      if (this.waiting.size > 0) this.timer = this.arm();
    }, PUBLISH_SWEEP_MS);
    (t as { unref?: () => void }).unref?.();
    return t;
  }
}
