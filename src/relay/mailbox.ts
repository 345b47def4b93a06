/**
 * Durable store-and-forward queue of opaque records, one queue per recipient (DESIGN.md
 * §4). What a record holds is its owner's business (fanout.ts stores the encoded Deliver
 * frame, so a push or a catch-up hands stored bytes to the socket unchanged); the
 * mailbox never encodes or decodes frames.
 *
 * - `enqueue` returns at once with the record's seq; its `done` hears `stored` only after
 *   the record is in a `sync: true` batch. Records of one event-loop turn, and those
 *   arriving while a batch is written, share the next batch (util/group-commit.ts).
 * - Keys sort in delivery order (mail-keys.ts); a value is [sender id (32 bytes)] || [record].
 * - While holding pays, the put of mail pushed early may wait for the recipient's ack,
 *   which then takes it back unwritten (held-puts.ts).
 * - `ack` deletes only mail of the acknowledging recipient.
 * - An in-memory index (mail-index.ts) answers quotas and TTL sweeps without reading
 *   values back; the open rebuilds it from the keys and a snapshot (mail-snapshot.ts).
 * - Writes go through RelayStore: a refused or failed batch refuses every record in it
 *   (the senders retry them); after the store reopens, the index is rebuilt from what
 *   LevelDB holds (`reload`) and acks not yet written are applied again.
 */
import { toHexCached } from '../util/bytes.js';
import type { Clock } from '../util/clock.js';
import { GroupCommit } from '../util/group-commit.js';
import type { Logger } from '../util/logger.js';
import { Delivery, type DeliveryLink, type SessionDelivery } from './delivery.js';
import { RelayFailureCode, relayFailure } from './errors.js';
import { HeldPuts } from './held-puts.js';
import type { RelayLimits } from './limits.js';
import { ABSENT, MailIndex } from './mail-index.js';
import {
  type HeldNote,
  heldOf,
  MAX_UNWRITTEN_SEQS,
  mailKey,
  type PendingPut,
  parseMailKey,
  parseSeqValue,
  putOf,
  readMail,
  SENDER_BYTES,
  SEQ_KEY,
  SEQ_RESTART_GAP,
  seqValue,
} from './mail-keys.js';
import { MailSnapshot } from './mail-snapshot.js';
import {
  type EarlyPush,
  type Enqueued,
  MAILBOX_FULL,
  type MailDone,
  type MailStore,
  SENDER_FULL,
  SHARE_FULL,
  type StoredMail,
} from './mail-store.js';
import {
  type KvOp,
  REFUSED_CLOSED,
  REFUSED_RECOVERING,
  type RelayStore,
  type StoreRefusal,
} from './store/index.js';

export interface MailboxOptions {
  limits: RelayLimits;
  clock: Clock;
  /** When a stored record was stored (for the TTL), read back at open; null: unknown. */
  storedAtOf: (record: Uint8Array) => number | null;
}

export class Mailbox implements MailStore {
  private readonly index = new MailIndex<HeldNote>();
  private lastSeq = 0;
  /** Acks whose delete was refused (store recovering): applied again after the reload. */
  private deferredDeletes: string[] = [];
  private closed = false;
  /** lastSeq when the last batch with a put (and so the high-water mark) was built. */
  private seqWritten = 0;
  private readonly commits: GroupCommit<KvOp, StoreRefusal | null, PendingPut>;
  private readonly held: HeldPuts<PendingPut>;
  private readonly snapshot: MailSnapshot;

  constructor(
    private readonly store: RelayStore,
    private readonly options: MailboxOptions,
  ) {
    this.commits = new GroupCommit((ops) => this.writeBatch(ops), setImmediate, {
      settle: (put, refusal) => this.written(put, refusal),
      // A batch's write that threw (store.write refuses rather than throws): its senders retry.
      failed: () => REFUSED_RECOVERING,
    });
    const { holdForAckMs: holdMs, maxHeldPuts: maxHeld, maxHeldBytes } = options.limits;
    this.held = new HeldPuts<PendingPut>(
      { holdMs, maxHeld, maxHeldBytes },
      {
        write: (put) => {
          put.box.held--;
          this.commits.submitFor(putOf(put), put);
        },
        taken: (put) => {
          put.box.held--;
          put.done({ code: 'delivered', mail: put }, put.msgId);
        },
      },
    );
    this.snapshot = new MailSnapshot(store, this.index, options);
    store.onReopen(() => this.reload());
  }

  /** Rebuilds the index from the store and moves the sequence on. Call once before use. */
  async open(): Promise<void> {
    const seq = await this.store.kv.get(SEQ_KEY);
    if (seq !== undefined) this.lastSeq = parseSeqValue(seq);
    const highest = await this.snapshot.indexStoredMail();
    if (highest > this.lastSeq) this.lastSeq = highest;
    this.lastSeq += SEQ_RESTART_GAP;
    if (!Number.isSafeInteger(this.lastSeq + SEQ_RESTART_GAP)) {
      throw relayFailure(RelayFailureCode.SeqExhausted, 'mailbox: sequence numbers exhausted');
    }
    const value = seqValue(this.lastSeq);
    await this.store.kv.write([{ type: 'put', key: SEQ_KEY, value }], { sync: true });
    this.seqWritten = this.lastSeq;
    this.snapshot.opened(this.lastSeq);
  }

  deliveryFor(link: DeliveryLink, limits: RelayLimits, log: Logger): SessionDelivery {
    return new Delivery(link, this, limits, log, this.options.clock);
  }

  /** Messages waiting for a recipient. */
  pending(recipientHex: string): number {
    return this.index.count(recipientHex);
  }

  /** Total stored messages. */
  get size(): number {
    return this.index.size;
  }

  /**
   * Stores one record durably: returns at once with a refusal code, or with the
   * mail (its seq assigned, its record built by `build(seq, storedAtMs)`); then
   * `done` hears `stored` after the synced batch that holds it, `delivered` if its
   * recipient acked it while its put was held, or the refusal that stopped the
   * batch. Never throws for quotas.
   */
  enqueue(
    senderId: Uint8Array,
    recipientHex: string,
    build: (seq: number, storedAtMs: number) => Uint8Array,
    msgId: Uint8Array | undefined,
    early: EarlyPush | undefined,
    done: MailDone,
  ): Enqueued {
    if (this.closed) return REFUSED_CLOSED;
    const refused = this.store.refusal();
    if (refused) return refused;
    const { limits } = this.options;
    const box = this.index.box(recipientHex);
    const sender = this.index.sender(toHexCached(senderId));
    if (box.count >= limits.maxMailboxMessages) return MAILBOX_FULL;
    if (sender.pending >= limits.maxPendingPerSender) return SENDER_FULL;
    const seq = this.lastSeq + 1;
    const storedAtMs = this.options.clock.now();
    const record = build(seq, storedAtMs);
    const bytes = SENDER_BYTES + record.length;
    if (box.bytes + bytes > limits.maxMailboxBytes) return MAILBOX_FULL;
    const { maxMailboxMessagesPerSender: most, maxMailboxBytesPerSender: mostBytes } = limits;
    if (box.overShare(sender, bytes, most, mostBytes)) return SHARE_FULL;
    this.lastSeq = seq;
    const prevSeq = box.lastIssued;
    box.lastIssued = seq;
    // The mail, and its put: one object.
    const put: PendingPut = { seq, recipientHex, record, senderId, bytes, box, msgId, done };
    const holding = early?.push(put, prevSeq) === true && early.mayHold;
    const hold = holding && seq - this.seqWritten < MAX_UNWRITTEN_SEQS && this.held.admit(bytes);
    // Not held: this recipient's held puts go first, so a read never sees a later mail alone.
    if (!hold && box.held > 0) {
      for (const held of box.liveNotes().map(heldOf)) if (held) this.held.release(held);
    }
    // Reserve quota now so a burst within one turn cannot overshoot it. A held put's key
    // and value are built only if it is written after all.
    if (hold) {
      box.held++;
      box.add(seq, sender, bytes, storedAtMs, this.held.hold(put, bytes));
    } else {
      const note = holding && !this.held.paying ? storedAtMs : null; // ack time: the verdict's
      box.add(seq, sender, bytes, storedAtMs, note);
      this.commits.submitFor(putOf(put), put);
    }
    return { code: 'queued', mail: put, prevSeq };
  }

  /** `put`'s batch was written (refusal null) or refused. */
  private written(put: PendingPut, refusal: StoreRefusal | null): void {
    if (refusal === null) {
      put.done({ code: 'stored', mail: put }, put.msgId);
      return;
    }
    put.box.remove(put.seq);
    put.done(refusal, put.msgId);
  }

  /** Stored mail with seq > afterSeq, in order, at most `limit`; `done`: no more stored then. */
  async read(
    recipientHex: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ mails: StoredMail[]; done: boolean }> {
    await this.store.whenOpen();
    const box = this.index.find(recipientHex);
    if (box === undefined || box.count === 0) return { mails: [], done: true };
    // Skip mail acked (deleted from the index) while the read was in flight.
    return readMail(this.store.kv, recipientHex, afterSeq, limit, (seq) => box.has(seq));
  }

  /** Deletes acknowledged mail of this recipient (a held put is never written). Unknown seqs are ignored. */
  ack(recipientHex: string, seqs: readonly number[]): number {
    const box = this.index.find(recipientHex);
    if (box === undefined) return 0;
    const keys: string[] = [];
    let acked = 0;
    for (const seq of seqs) {
      const note = box.remove(seq);
      if (note === ABSENT) continue;
      acked++;
      if (typeof note === 'number') this.held.ackedUnheld(this.options.clock.now() - note);
      const held = heldOf(note);
      if (held === null || !this.held.take(held)) keys.push(mailKey(recipientHex, seq));
    }
    this.delete(keys);
    return acked;
  }

  /** Drops mail older than the TTL. Returns how many were dropped. */
  sweep(): number {
    const cutoff = this.options.clock.now() - this.options.limits.mailTtlMs;
    this.held.releaseAll(); // first: a delete below must not overtake its put
    const keys: string[] = [];
    for (const [box, recipientHex, seq] of this.index.olderThan(cutoff)) {
      if (box.remove(seq) !== ABSENT) keys.push(mailKey(recipientHex, seq));
    }
    this.delete(keys);
    void this.snapshot.save(this.lastSeq).catch(() => undefined);
    return keys.length;
  }

  /**
   * Writes everything pending and stops accepting mail. Idempotent. Acks left
   * while the store is down are lost with the process; their mail is delivered
   * again after the restart and dropped as a duplicate by the client.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.held.releaseAll();
    await this.commits.drain();
    await this.snapshot.save(this.lastSeq);
  }

  /** Deletes are not synced: a delete lost in a crash is a redelivery, which the client drops. */
  private delete(keys: string[]): void {
    if (keys.length === 0) return;
    void this.commits.submit(keys.map((key) => ({ type: 'del', key }) as const)).then((refusal) => {
      if (refusal !== null) this.deferredDeletes.push(...keys);
    });
  }

  /** One batch: the puts and deletes given, the sequence's high-water mark with any put. */
  private writeBatch(ops: KvOp[]): Promise<StoreRefusal | null> {
    let bytes = 0;
    for (const op of ops) if (op.type === 'put') bytes += op.value.length;
    if (bytes > 0) {
      ops.push({ type: 'put', key: SEQ_KEY, value: seqValue(this.lastSeq) });
      this.seqWritten = this.lastSeq;
    }
    return this.store.write(ops, { sync: bytes > 0, bytes });
  }

  /**
   * After the store reopened: the index is rebuilt from what LevelDB holds, then
   * acks that were not written are applied again (their mail reappeared).
   */
  private async reload(): Promise<void> {
    // Held puts are not in what the index is rebuilt from: their senders send them again.
    this.held.dropAll((put) => this.written(put, REFUSED_RECOVERING));
    this.index.clear();
    await this.open();
    const keys = this.deferredDeletes;
    this.deferredDeletes = [];
    const again: string[] = [];
    for (const key of keys) {
      const parsed = parseMailKey(key);
      const box = parsed && this.index.find(parsed.recipientHex);
      if (box && box.remove(parsed.seq) !== ABSENT) again.push(key);
    }
    // After the store is open again (reload runs before it is marked open).
    if (again.length > 0) void this.store.whenOpen().then(() => this.delete(again));
  }
}
