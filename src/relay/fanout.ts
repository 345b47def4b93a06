/**
 * The send choreography, for N recipients (1:1 is N = 1): store the record in
 * each recipient's mailbox, push it at once to recipients keeping up (while it
 * is being written: docs/decisions.md, "Deliver while storing"), acknowledge
 * the sender after the durable write (DESIGN.md §4, guarantee 1) or, when the
 * recipient acknowledged it first and the write was held back, with `delivered`
 * (held-puts.ts), and offer the durable mail to every session of each recipient.
 */

import { encodeDeliverFrom, encodeDeliverOfSend } from '../wire/codec.js';
import { CLIENT_FEATURE_DELIVERED_ACK } from '../wire/limits.js';
import type { Card, FrameOf } from '../wire/types.js';
import type { Hub } from './hub.js';
import type { KeptAckCode } from './kept-acks.js';
import type { EarlyPush, EnqueueResult, MailDone, MailStore, StoredMail } from './mail-store.js';

/** What fanout needs of the sending session. */
export interface Sender {
  /** The client understands this CLIENT_FEATURE_* bit (Hello.features): here, the `delivered` SendAck. */
  understands(feature: number): boolean;
  /** Counts a send awaiting its durable ack (the session stops reading past a limit). */
  sendStarted(): void;
  sendFinished(): void;
  send(frame: FrameOf<'send-ack'>): void;
  /** A kept SendAck (stored, delivered): it may wait for company, queued as its id. */
  sendKeptAck(msgId: Uint8Array, code: KeptAckCode): void;
  /** The outcome of this sender's mail (`Fanout` makes it on its first send: one per sender). */
  mailDone: MailDone | null;
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

  /**
   * What `build` reads while one enqueue runs, and null after it: the store calls `build`
   * before enqueue returns if at all (mail-store.ts), so one closure serves every message
   * where one made per message (it captured the received Send) was a twentieth of the
   * relay's allocation per message. Nothing of the Send is kept past the call.
   */
  private building: Outgoing | null = null;
  private buildingFrom: Card | null = null;
  private readonly build = (seq: number, storedAtMs: number): Uint8Array => {
    const from = this.buildingFrom!;
    return encodeDeliverOfSend(this.building!, seq, from, deliverFrom(from), storedAtMs);
  };

  /** Stores and delivers `msg` from `from` to `recipientHex`; acks the sender once it is durable. */
  send(sender: Sender, from: Card, recipientHex: string, msg: Outgoing): void {
    const { msgId } = msg;
    sender.mailDone ??= this.doneFor(sender);
    this.building = msg;
    this.buildingFrom = from;
    let queued: ReturnType<MailStore['enqueue']>;
    try {
      queued = this.mailbox.enqueue(
        from.userId,
        recipientHex,
        this.build,
        msgId,
        sender.understands(CLIENT_FEATURE_DELIVERED_ACK) ? this.early.holding : this.early.writing,
        sender.mailDone,
      );
    } finally {
      this.building = null;
      this.buildingFrom = null;
    }
    if (queued.code !== 'queued') {
      sender.send({ type: 'send-ack', msgId, code: queued.code, reason: queued.reason });
      return;
    }
    sender.sendStarted();
  }

  /**
   * A sender's durable acks, the store's `done` for all its mail (it gives back the message
   * id): nothing is made per message to hear the outcome, and nothing made for the build
   * (`deliverOf`, which reads the received frame, a view of a whole read buffer) is kept
   * until the outcome. A closure per message kept both, as V8 gives the closures of one
   * scope one context: at 500 clients, 19,000 Sends and their buffers.
   */
  private doneFor(sender: Sender): MailDone {
    return (result, msgId) => {
      sender.sendFinished();
      const id = msgId as Uint8Array; // send() always gives one
      const { code } = result;
      if (code === 'stored' || code === 'delivered') sender.sendKeptAck(id, code);
      else sender.send({ type: 'send-ack', msgId: id, code, reason: reasonOf(result) });
      if (result.code === 'stored') this.hub.deliver(result.mail);
    };
  }
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
