/**
 * Mail held for its recipient's ack in a cluster of relays (docs/decisions.md, "Held
 * in a cluster"): what held-puts.ts does for the LevelDB relay, where the write is a
 * JetStream publish and, after the ack, a delete. At light load most mail goes to a
 * recipient online on some relay, whose client stores it and acks it within a few
 * milliseconds; publishing it, having a consumer push it, checking and deleting it
 * was most of a cluster relay's cost per message (issue 15).
 *
 * So, while holding pays (HeldPuts.admit) and the sender understands `delivered`:
 * - the mail is pushed at once, with an early seq, to the recipient's sessions on this
 *   relay; if there are none, to the relay the roster says the recipient is on, over core
 *   NATS (`natter.1.early.<node>.<msg id>`), which pushes it with an early seq of its
 *   own and answers on `natter.1.early-answer.<origin>`: `+<seq>` once a session acked
 *   it, `-<seq>` if no session there took it, with the other answers of the next
 *   EARLY_ANSWER_DELAY_MS (a NATS write costs a relay about as much as a client's);
 * - its publish waits up to holdForAckMs: an ack in time means it is never published,
 *   and the sender hears `delivered`; otherwise it is published as any mail, the sender
 *   hears `stored`, and the consumer pushes the stored copy (the client drops it as a
 *   copy and acks it, which deletes it).
 * Early seqs start at EARLY_SEQ_BASE, far above any stream seq, and are acked only by
 * the session they were pushed to (stream-delivery.ts). A relay that dies loses only
 * held mail nobody acked: its senders had no ack, and send it again.
 */
import type { Msg, Subscription } from '@nats-io/transport-node';
import { TickBatcher } from '../../util/tick-batcher.js';
import type { RelayLimits } from '../limits.js';
import type { EnqueueResult, StoredMail } from '../mail-store.js';
import { type ClusterLink, EARLY_ANSWER_PREFIX, EARLY_SUBJECT_PREFIX } from './connection.js';
import { HeldLanes } from './held-lanes.js';

/** Early seqs are above this: no stream reaches it, and every one is an exact JS number. */
export const EARLY_SEQ_BASE = 2 ** 52;

export function isEarlySeq(seq: number): boolean {
  return seq > EARLY_SEQ_BASE;
}

/**
 * How long another relay's answers wait to go together: they only let its senders hear
 * `delivered`, and a sender's SendAck may wait longer (SEND_ACK_DELAY_MS) anyway.
 */
export const EARLY_ANSWER_DELAY_MS = 10;

export interface HeldMailOptions {
  link: ClusterLink;
  limits: RelayLimits;
  /** This relay's node id in the roster: other relays address its early mail by it. */
  node: string;
  /** The relay a user is online through, when not through this one (the roster). */
  locate: (userHex: string) => string | undefined;
  /** Pushes early mail to this relay's sessions of its recipient: true if one took it. */
  pushLocal: (mail: EarlyMail) => boolean;
  /** The stored record (seq 0) with `seq` in it. */
  withSeq: (record: Uint8Array, seq: number) => Uint8Array;
}

/** Mail pushed early, with the message id its stored copy would have (early-copies.ts). */
export type EarlyMail = StoredMail & { msgId: string };

/** Where early mail went when a session of this relay took it (node ids are never empty). */
const LOCAL = '';

/** Conversations whose early mail's destination is remembered before those holding nothing go. */
const LANES_REMEMBERED = 16_384;

/** A held publish: run when released, its result the sender's ack. */
type Publish = () => Promise<EnqueueResult>;

/** A held publish, the mail it pushed early, and where its outcome goes. */
interface HeldPublish {
  publish: Publish;
  mail: EarlyMail;
  settle: (result: EnqueueResult) => void;
}

export class HeldMail {
  private readonly held: HeldLanes<HeldPublish>;
  private next = EARLY_SEQ_BASE;
  /** Other relays' early mail pushed here: early seq -> where its ack goes; oldest first. */
  private readonly forwarded = new Map<number, { answer: string; since: number }>();
  /**
   * Conversations (`<sender>.<recipient>`) whose early mail no session here took, and when:
   * their next early mail is refused too until the origin has published the refused one
   * (holdForAckMs at most), so that it cannot overtake it at the recipient.
   */
  private readonly refused = new Map<string, { since: number }>();
  /**
   * Where each conversation's held mail was pushed (LOCAL, or a relay's node): read only
   * while it holds some, so stale entries are harmless; those of lanes holding nothing
   * are dropped past LANES_REMEMBERED.
   */
  private readonly pushedTo = new Map<string, string>();
  private readonly subs: Subscription[] = [];
  private readonly answers: string;
  private readonly early: string;
  /** Answers waiting to go: [the answer subject of the relay they go to, `+<seq>`/`-<seq>`]. */
  private readonly outgoing = new TickBatcher<[string, string]>(
    (answers) => this.sendAnswers(answers),
    (send) => setTimeout(send, EARLY_ANSWER_DELAY_MS).unref(),
  );

  constructor(private readonly o: HeldMailOptions) {
    const { holdForAckMs: holdMs, maxHeldPuts: maxHeld, maxHeldBytes } = o.limits;
    this.held = new HeldLanes(
      { holdMs, maxHeld, maxHeldBytes },
      {
        write: (held) => void held.publish().then(held.settle),
        taken: (held) => held.settle({ code: 'delivered', mail: held.mail }),
      },
    );
    this.answers = `${EARLY_ANSWER_PREFIX}${o.node}`;
    this.early = `${EARLY_SUBJECT_PREFIX}${o.node}.`;
  }

  open(): void {
    const { nc } = this.o.link;
    this.subs.push(
      nc.subscribe(`${this.early}>`, {
        callback: (err, msg) => {
          if (!err) this.arrived(msg);
        },
      }),
      nc.subscribe(this.answers, {
        callback: (err, msg) => {
          if (!err) this.answered(msg);
        },
      }),
    );
  }

  /**
   * Pushes `record` (stored form, seq 0) early and holds `publish` for the ack, in
   * conversation `lane` (whose order a later publish keeps: releaseFor). `msgId` is its
   * JetStream message id, `<sender>.<recipient>.<id>` (hex). Null: not held (holding does
   * not pay, or nobody could take it now): publish it now.
   */
  hold(
    recipientHex: string,
    lane: string,
    record: Uint8Array,
    msgId: string,
    publish: Publish,
  ): Promise<EnqueueResult> | null {
    if (!this.held.admit(record.length)) return null;
    // Pushed early only where the conversation's held mail went: pushed elsewhere, this one
    // could arrive before it (its recipient came online here while mail held for its old
    // relay waited for an answer that never came: an operator trial saw 2, 3, 4, 5, 1).
    const before = this.held.holds(lane) ? this.pushedTo.get(lane) : undefined;
    const seq = ++this.next;
    const mail: EarlyMail = { seq, recipientHex, record: this.o.withSeq(record, seq), msgId };
    let to: string;
    if ((before === undefined || before === LOCAL) && this.o.pushLocal(mail)) {
      to = LOCAL;
    } else {
      const node = this.o.locate(recipientHex);
      if (node === undefined || (before !== undefined && node !== before)) return null;
      try {
        this.o.link.nc.publish(`${EARLY_SUBJECT_PREFIX}${node}.${msgId}`, record, {
          reply: `${this.answers}.${seq}`,
        });
      } catch {
        return null;
      }
      to = node;
    }
    if (this.pushedTo.size >= LANES_REMEMBERED) {
      for (const held of this.pushedTo.keys())
        if (!this.held.holds(held)) this.pushedTo.delete(held);
    }
    this.pushedTo.set(lane, to);
    return new Promise((settle) =>
      this.held.hold(lane, seq, { publish, mail, settle }, record.length),
    );
  }

  /** Whether mail of conversation `lane` is held (a later publish must not overtake it). */
  holds(lane: string): boolean {
    return this.held.holds(lane);
  }

  /** Publishes `lane`'s held mail now, oldest first. */
  releaseFor(lane: string): void {
    this.held.releaseFor(lane);
  }

  /**
   * A session here acked early `seq`, which was pushed to it. True if its hold was taken
   * back here before it published (no stored copy can follow); false if it had published,
   * or the hold is another relay's.
   */
  acked(seq: number): boolean {
    const forwarded = this.forwarded.get(seq);
    if (forwarded === undefined) return this.held.take(seq);
    this.forwarded.delete(seq);
    this.answer(forwarded.answer, true);
    return false;
  }

  /** Publishes everything held (closing), and stops hearing other relays. */
  close(): void {
    this.held.releaseAll();
    this.outgoing.flushNow();
    for (const sub of this.subs) sub.unsubscribe();
    this.subs.length = 0;
  }

  /** Another relay's early mail for a user here. */
  private arrived(msg: Msg): void {
    const answer = msg.reply;
    if (!answer?.startsWith(EARLY_ANSWER_PREFIX)) return;
    // `<sender>.<recipient>.<id>`: the mail's message id, whose second part is its recipient.
    const msgId = msg.subject.slice(this.early.length);
    const recipientHex = msgId.split('.')[1] ?? '';
    const seq = ++this.next;
    let record: Uint8Array;
    try {
      record = this.o.withSeq(msg.data, seq);
    } catch {
      // Only relays publish here; the origin publishes what does not decode as usual.
      this.answer(answer, false);
      return;
    }
    const conversation = msgId.slice(0, msgId.lastIndexOf('.'));
    const now = performance.now();
    this.dropStale(this.refused, now);
    if (this.refused.has(conversation)) {
      this.answer(answer, false);
      return;
    }
    if (!this.o.pushLocal({ seq, recipientHex, record, msgId })) {
      this.refused.set(conversation, { since: now });
      this.answer(answer, false);
      return;
    }
    // Past holdForAckMs the origin has published it: its ack here no longer matters.
    this.dropStale(this.forwarded, now);
    this.forwarded.set(seq, { answer, since: now });
  }

  /** Drops the oldest entries of `map` (oldest first) past holdForAckMs, and past maxHeldPuts. */
  private dropStale<K>(map: Map<K, { since: number }>, now: number): void {
    const { holdForAckMs, maxHeldPuts } = this.o.limits;
    for (const [key, entry] of map) {
      if (now - entry.since <= holdForAckMs && map.size < maxHeldPuts) break;
      map.delete(key);
    }
  }

  /** Recipients' relays answered for our early mail: `+<seq>` acked, `-<seq>` not pushed. */
  private answered(msg: Msg): void {
    for (const item of msg.string().split(' ')) {
      const seq = Number(item.slice(1));
      if (!Number.isSafeInteger(seq)) continue;
      if (item[0] === '+') this.held.take(seq);
      else this.held.release(seq);
    }
  }

  /** Answers early mail to the relay it came from, `reply` being its answer subject and seq. */
  private answer(reply: string, acked: boolean): void {
    const dot = reply.lastIndexOf('.');
    this.outgoing.push([reply.slice(0, dot), (acked ? '+' : '-') + reply.slice(dot + 1)]);
  }

  /** One message per relay for the answers of the last EARLY_ANSWER_DELAY_MS. */
  private sendAnswers(answers: [string, string][]): void {
    const bySubject = new Map<string, string[]>();
    for (const [subject, item] of answers) {
      const items = bySubject.get(subject);
      if (items === undefined) bySubject.set(subject, [item]);
      else items.push(item);
    }
    for (const [subject, items] of bySubject) {
      try {
        this.o.link.nc.publish(subject, items.join(' '));
      } catch {
        // Closing: the origin publishes the mail when its hold ends.
      }
    }
  }
}
