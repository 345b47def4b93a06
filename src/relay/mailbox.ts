/**
 * Durable store-and-forward queue of opaque records, one queue per recipient
 * (DESIGN.md §4). What a record holds is its owner's business (fanout.ts
 * stores the encoded Deliver frame, so a push or a catch-up hands stored bytes
 * to the socket unchanged); the mailbox never encodes or decodes frames.
 *
 * - `enqueue` returns at once with the record's seq; its `durable` promise
 *   resolves only after the record is in a `sync: true` batch. Records of one
 *   event-loop turn, and those arriving while a batch is written, share the
 *   next batch (util/group-commit.ts).
 * - Keys sort in delivery order: m1!<recipient hex>!<seq as 16 hex digits>.
 *   The value is [sender id (32 bytes)] || [record].
 * - `ack` deletes only mail of the acknowledging recipient.
 * - An in-memory index (mail-index.ts, rebuilt at open) answers quotas and TTL
 *   sweeps without reading values back.
 * - Writes go through RelayStore: a refused or failed batch refuses every
 *   record in it (the senders keep and retry them); after the store reopens,
 *   the index is rebuilt from what LevelDB really holds (`reload`) and acks not
 *   yet written are applied again.
 */
import { allocBytes, toHex } from '../util/bytes.js';
import type { Clock } from '../util/clock.js';
import { GroupCommit } from '../util/group-commit.js';
import type { Logger } from '../util/logger.js';
import { Delivery, type DeliveryLink, type SessionDelivery } from './delivery.js';
import { RelayFailureCode, relayFailure } from './errors.js';
import type { RelayLimits } from './limits.js';
import { MailIndex } from './mail-index.js';
import type { EnqueueResult, MailStore, Refusal, StoredMail } from './mail-store.js';
import {
  type KvOp,
  REFUSED_CLOSED,
  type RelayStore,
  type StoreRefusal,
  scan,
} from './store/index.js';

const MAIL_PREFIX = 'm1!';
const SEQ_KEY = 's1!seq';
const SEQ_DIGITS = 16;
const SENDER_BYTES = 32;

/**
 * What `enqueue` returns at once: a refusal, or the mail, the seq of the mail issued
 * to the same recipient just before it (0 if none since start), and the durable write.
 */
export type Enqueued =
  | { code: 'queued'; mail: StoredMail; prevSeq: number; durable: Promise<EnqueueResult> }
  | Refusal;

/**
 * How far `open` moves the sequence on each start. It must exceed the seqs one
 * run can issue without writing them (bounded by sends in flight: connections x
 * maxInflightSendsPerSession, 10,000 x 4,096 < 2^32). 2^53 / 2^32 leaves two
 * million restarts.
 */
export const SEQ_RESTART_GAP = 2 ** 32;

/** Mail records read per batch when the index is rebuilt at open. */
const OPEN_SCAN_BATCH = 4096;

export interface MailboxOptions {
  limits: RelayLimits;
  clock: Clock;
  /** When a stored record was stored (for the TTL), read back at open; null: unknown. */
  storedAtOf: (record: Uint8Array) => number | null;
}

export function mailKey(recipientHex: string, seq: number): string {
  return `${MAIL_PREFIX}${recipientHex}!${seq.toString(16).padStart(SEQ_DIGITS, '0')}`;
}

function parseMailKey(key: string): { recipientHex: string; seq: number } | null {
  const parts = key.split('!');
  if (parts.length !== 3 || parts[1]?.length !== 64 || parts[2]?.length !== SEQ_DIGITS) return null;
  return { recipientHex: parts[1], seq: Number.parseInt(parts[2], 16) };
}

export class Mailbox implements MailStore {
  private readonly index = new MailIndex();
  /** Highest seq issued per recipient (kept after acks), for `Enqueued.prevSeq`. */
  private readonly lastIssued = new Map<string, number>();
  private lastSeq = 0;
  /** Acks whose delete was refused (store recovering): applied again after the reload. */
  private deferredDeletes: string[] = [];
  private closed = false;
  private readonly commits: GroupCommit<KvOp, StoreRefusal | null>;
  private readonly limits: RelayLimits;
  private readonly clock: Clock;

  constructor(
    private readonly store: RelayStore,
    private readonly options: MailboxOptions,
  ) {
    this.limits = options.limits;
    this.clock = options.clock;
    this.commits = new GroupCommit((ops) => this.writeBatch(ops));
    store.onReopen(() => this.reload());
  }

  /** Rebuilds the index from the store and moves the sequence on. Call once before use. */
  async open(): Promise<void> {
    const seq = await this.store.kv.get(SEQ_KEY);
    if (seq !== undefined) this.lastSeq = Number.parseInt(Buffer.from(seq).toString('utf8'), 16);
    const range = { gt: MAIL_PREFIX, lt: `${MAIL_PREFIX}~` };
    for await (const [key, value] of scan(this.store.kv, range, OPEN_SCAN_BATCH)) {
      const parsed = parseMailKey(key);
      if (parsed === null || value.byteLength <= SENDER_BYTES) continue;
      this.index.add(parsed.recipientHex, parsed.seq, {
        senderHex: toHex(value.subarray(0, SENDER_BYTES)),
        bytes: value.byteLength,
        // An unreadable record is still counted (and swept by TTL from now).
        storedAtMs: this.options.storedAtOf(value.subarray(SENDER_BYTES)) ?? this.clock.now(),
      });
      this.lastIssued.set(parsed.recipientHex, parsed.seq);
      if (parsed.seq > this.lastSeq) this.lastSeq = parsed.seq;
    }
    this.lastSeq += SEQ_RESTART_GAP;
    if (!Number.isSafeInteger(this.lastSeq + SEQ_RESTART_GAP)) {
      throw relayFailure(RelayFailureCode.SeqExhausted, 'mailbox: sequence numbers exhausted');
    }
    await this.store.kv.write([{ type: 'put', key: SEQ_KEY, value: this.seqValue() }], {
      sync: true,
    });
  }

  deliveryFor(link: DeliveryLink, limits: RelayLimits, log: Logger): SessionDelivery {
    return new Delivery(link, this, limits, log);
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
   * mail (its seq assigned, its record built by `build(seq, storedAtMs)`) and
   * `durable`, which resolves with `stored` after the synced batch that holds
   * it, or with the refusal that stopped the batch. Never throws for quotas.
   */
  enqueue(
    senderId: Uint8Array,
    recipientHex: string,
    build: (seq: number, storedAtMs: number) => Uint8Array,
  ): Enqueued {
    if (this.closed) return REFUSED_CLOSED;
    const refused = this.store.refusal();
    if (refused) return refused;
    const senderHex = toHexCached(senderId);
    if (this.index.count(recipientHex) >= this.limits.maxMailboxMessages) {
      return { code: 'recipient-quota', reason: 'recipient mailbox is full' };
    }
    if (this.index.pendingFrom(senderHex) >= this.limits.maxPendingPerSender) {
      return { code: 'sender-quota', reason: 'too many undelivered messages' };
    }
    const seq = this.lastSeq + 1;
    const storedAtMs = this.clock.now();
    const record = build(seq, storedAtMs);
    const bytes = SENDER_BYTES + record.byteLength;
    if (this.index.bytes(recipientHex) + bytes > this.limits.maxMailboxBytes) {
      return { code: 'recipient-quota', reason: 'recipient mailbox is full' };
    }
    this.lastSeq = seq;
    const value = allocBytes(bytes);
    value.set(senderId, 0);
    value.set(record, SENDER_BYTES);
    // Reserve quota now so a burst within one turn cannot overshoot it.
    this.index.add(recipientHex, seq, { senderHex, bytes, storedAtMs });
    const prevSeq = this.lastIssued.get(recipientHex) ?? 0;
    this.lastIssued.set(recipientHex, seq);
    const mail: StoredMail = { seq, recipientHex, record };
    const durable = this.commits
      .submit({ type: 'put', key: mailKey(recipientHex, seq), value })
      .then((refusal): EnqueueResult => {
        if (refusal === null) return { code: 'stored', mail };
        this.index.remove(recipientHex, seq);
        return refusal;
      });
    return { code: 'queued', mail, prevSeq, durable };
  }

  /**
   * Stored mail for a recipient with seq > afterSeq, in order, at most `limit`;
   * `done` is true when nothing more was stored at the time of the read.
   */
  async read(
    recipientHex: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ mails: StoredMail[]; done: boolean }> {
    await this.store.whenOpen();
    if (this.index.count(recipientHex) === 0) return { mails: [], done: true };
    const entries = await this.store.kv.range({
      gt: mailKey(recipientHex, afterSeq),
      lt: `${MAIL_PREFIX}${recipientHex}!~`,
      limit,
    });
    const mails: StoredMail[] = [];
    for (const [key, value] of entries) {
      const parsed = parseMailKey(key);
      // Skip mail acked (deleted from the index) while the read was in flight.
      if (parsed === null || !this.index.has(recipientHex, parsed.seq)) continue;
      mails.push({ seq: parsed.seq, recipientHex, record: value.subarray(SENDER_BYTES) });
    }
    return { mails, done: entries.length < limit };
  }

  /** Deletes acknowledged mail of this recipient. Unknown seqs are ignored. */
  ack(recipientHex: string, seqs: readonly number[]): number {
    const keys: string[] = [];
    for (const seq of seqs) {
      if (this.index.remove(recipientHex, seq)) keys.push(mailKey(recipientHex, seq));
    }
    this.delete(keys);
    return keys.length;
  }

  /** Drops mail older than the TTL. Returns how many were dropped. */
  sweep(): number {
    const cutoff = this.clock.now() - this.limits.mailTtlMs;
    const keys: string[] = [];
    for (const [recipientHex, seq] of [...this.index.olderThan(cutoff)]) {
      if (this.index.remove(recipientHex, seq)) keys.push(mailKey(recipientHex, seq));
    }
    this.delete(keys);
    return keys.length;
  }

  /**
   * Writes everything pending and stops accepting mail. Idempotent. Acks left
   * while the store is down are lost with the process; their mail is delivered
   * again after the restart and dropped as a duplicate by the client.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.commits.drain();
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
    for (const op of ops) if (op.type === 'put') bytes += op.value.byteLength;
    if (bytes > 0) ops.push({ type: 'put', key: SEQ_KEY, value: this.seqValue() });
    return this.store.write(ops, { sync: bytes > 0, bytes });
  }

  /**
   * After the store reopened: the index is rebuilt from what LevelDB holds, then
   * acks that were not written are applied again (their mail reappeared).
   */
  private async reload(): Promise<void> {
    this.index.clear();
    this.lastIssued.clear();
    await this.open();
    const keys = this.deferredDeletes;
    this.deferredDeletes = [];
    const again: string[] = [];
    for (const key of keys) {
      const parsed = parseMailKey(key);
      if (parsed && this.index.remove(parsed.recipientHex, parsed.seq)) again.push(key);
    }
    // After the store is open again (reload runs before it is marked open).
    if (again.length > 0) void this.store.whenOpen().then(() => this.delete(again));
  }

  private seqValue(): Uint8Array {
    return Buffer.from(this.lastSeq.toString(16).padStart(SEQ_DIGITS, '0'), 'utf8');
  }
}

// Sender ids repeat constantly; hex-encoding the same 32 bytes for every message
// showed up in profiles, so remember them per id object.
const hexCache = new WeakMap<Uint8Array, string>();
function toHexCached(bytes: Uint8Array): string {
  let hex = hexCache.get(bytes);
  if (hex === undefined) {
    hex = toHex(bytes);
    hexCache.set(bytes, hex);
  }
  return hex;
}
