/**
 * The send choreography, for N recipients (1:1 is N = 1): store the record in
 * each recipient's mailbox, push it at once to recipients keeping up (while it
 * is being written: docs/decisions.md, "Deliver while storing"), acknowledge
 * the sender after the durable write (DESIGN.md §4, guarantee 1) or, when the
 * recipient acknowledged it first and the write was held back, with `delivered`
 * (held-puts.ts), and offer the durable mail to every session of each recipient.
 */

import { encodeDeliverFrom, encodeDeliverOfSend } from '../wire/codec.js';
import type { Card, FrameOf } from '../wire/types.js';
import type { Hub } from './hub.js';
import type { EarlyPush, EnqueueResult, MailStore, StoredMail } from './mail-store.js';

/** What fanout needs of the sending session. */
export interface Sender {
  /** The client understands the `delivered` SendAck (Hello.features). */
  readonly takesDeliveredAck: boolean;
  /** Counts a send awaiting its durable ack (the session stops reading past a limit). */
  sendStarted(): void;
  sendFinished(): void;
  send(frame: FrameOf<'send-ack'>): void;
}

/** One sealed message: its id and the opaque bytes each recipient receives. */
export interface Outgoing {
  msgId: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export class Fanout {
  /** The early push, for a sender that takes `delivered` (may hold) and one that does not. */
  private readonly early: { holding: EarlyPush; writing: EarlyPush };

  constructor(
    private readonly mailbox: MailStore,
    private readonly hub: Hub,
  ) {
    const push = (mail: StoredMail, prevSeq: number) => this.hub.deliverEarly(mail, prevSeq);
    this.early = { holding: { push, mayHold: true }, writing: { push, mayHold: false } };
  }

  /** Stores and delivers `msg` from `from` to `recipientHex`; acks the sender once it is durable. */
  send(sender: Sender, from: Card, recipientHex: string, msg: Outgoing): void {
    const { msgId } = msg;
    const queued = this.mailbox.enqueue(
      from.userId,
      recipientHex,
      deliverOf(msg, from),
      msgId,
      sender.takesDeliveredAck ? this.early.holding : this.early.writing,
      this.ackOf(sender, msgId),
    );
    if (queued.code !== 'queued') {
      sender.send({ type: 'send-ack', msgId, code: queued.code, reason: queued.reason });
      return;
    }
    sender.sendStarted();
  }

  /**
   * The sender's durable ack, kept until the outcome: made apart from `deliverOf`'s build,
   * because V8 gives the closures of one scope one shared context, and the ack would keep
   * what the build reads (the received frame, and the whole read buffer it is a view of)
   * alive with it: at 500 clients, 19,000 Sends and their buffers.
   */
  private ackOf(sender: Sender, msgId: Uint8Array): (result: EnqueueResult) => void {
    return (result) => {
      sender.sendFinished();
      sender.send({ type: 'send-ack', msgId, code: result.code, reason: reasonOf(result) });
      if (result.code === 'stored') this.hub.deliver(result.mail);
    };
  }
}

/** The Deliver record of `msg`: may read the received frame itself (codec/hot.ts), only while enqueue runs. */
function deliverOf(msg: Outgoing, from: Card): (seq: number, storedAtMs: number) => Uint8Array {
  return (seq, storedAtMs) => encodeDeliverOfSend(msg, seq, from, deliverFrom(from), storedAtMs);
}

/** Each sender card's Deliver `from` field, encoded once (a session's card is never changed in place). */
const fromFields = new WeakMap<Card, Uint8Array>();
function deliverFrom(card: Card): Uint8Array {
  let field = fromFields.get(card);
  if (field === undefined) {
    field = encodeDeliverFrom(card);
    fromFields.set(card, field);
  }
  return field;
}

function reasonOf(result: EnqueueResult): string {
  return 'reason' in result ? result.reason : '';
}
