/**
 * Durable store-and-forward queue (DESIGN.md §4).
 *
 * - `enqueue` resolves only after the mail is in LevelDB through a `sync: true`
 *   batch. Every enqueue of one event-loop turn joins one batch, and while a
 *   batch is being written the next one accumulates (group commit): one fsync
 *   serves thousands of messages under load, and one message alone under light load.
 * - Keys sort in delivery order: m1!<recipient hex>!<seq as 16 hex digits>.
 * - The value is [sender id (32 bytes)] || [the encoded Deliver frame], so a
 *   push or a catch-up read hands the stored bytes to the socket unchanged.
 * - `ack` deletes only mail of the acknowledging recipient.
 * - An in-memory index (rebuilt at open) keeps per-recipient and per-sender
 *   counts for quotas and TTL sweeps without reading values back.
 * - Writes go through RelayStore: a refused or failed batch refuses every mail
 *   in it (the senders keep and retry them), and after the store reopens the
 *   index is rebuilt from what LevelDB really holds (`reload`).
 */
import { toHex } from '../util/bytes.js';
import type { Clock } from '../util/clock.js';
import { NatterError } from '../util/errors.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import type { AckCode, Card } from '../wire/types.js';
import type { RelayLimits } from './limits.js';
import { REFUSED_CLOSED, type RelayStore } from './store.js';

const MAIL_PREFIX = 'm1!';
const SEQ_KEY = 's1!seq';
const SEQ_DIGITS = 16;
const SENDER_BYTES = 32;

export interface StoredMail {
  seq: number;
  recipientHex: string;
  /** The encoded Deliver frame body (unframed). */
  frame: Uint8Array;
}

export type Refusal = { code: Exclude<AckCode, 'stored'>; reason: string };

export type EnqueueResult = { code: 'stored'; mail: StoredMail } | Refusal;

/**
 * What `enqueue` returns at once: a refusal, or the mail, the seq of the mail
 * issued to the same recipient just before it (0 if none since the relay
 * started), and the durable write.
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

interface IndexEntry {
  senderHex: string;
  bytes: number;
  storedAtMs: number;
}

interface Box {
  entries: Map<number, IndexEntry>;
  bytes: number;
}

interface PendingPut {
  key: string;
  value: Uint8Array;
  mail: StoredMail;
  entry: IndexEntry;
  resolve: (r: EnqueueResult) => void;
}

export function mailKey(recipientHex: string, seq: number): string {
  return `${MAIL_PREFIX}${recipientHex}!${seq.toString(16).padStart(SEQ_DIGITS, '0')}`;
}

function parseMailKey(key: string): { recipientHex: string; seq: number } | null {
  const parts = key.split('!');
  if (parts.length !== 3 || parts[1]?.length !== 64 || parts[2]?.length !== SEQ_DIGITS) return null;
  return { recipientHex: parts[1], seq: Number.parseInt(parts[2], 16) };
}

export class Mailbox {
  private readonly boxes = new Map<string, Box>();
  private readonly perSender = new Map<string, number>();
  /** Highest seq issued per recipient (kept after acks), for `Enqueued.prevSeq`. */
  private readonly lastIssued = new Map<string, number>();
  private lastSeq = 0;
  private puts: PendingPut[] = [];
  private putBytes = 0;
  private deletes: string[] = [];
  private flushScheduled = false;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: RelayStore,
    private readonly limits: RelayLimits,
    private readonly clock: Clock,
  ) {
    store.onReopen(() => this.reload());
  }

  private get db() {
    return this.store.db;
  }

  /** Rebuilds the index from the store. Call once before use. */
  async open(): Promise<void> {
    const seq = await this.db.get(SEQ_KEY);
    if (seq !== undefined) this.lastSeq = Number.parseInt(Buffer.from(seq).toString('utf8'), 16);
    for await (const [key, value] of this.db.iterator({ gt: MAIL_PREFIX, lt: `${MAIL_PREFIX}~` })) {
      const parsed = parseMailKey(key);
      if (parsed === null || value.byteLength <= SENDER_BYTES) continue;
      let storedAtMs = this.clock.now();
      try {
        const frame = decodeFrame(value.subarray(SENDER_BYTES));
        if (frame.type === 'deliver') storedAtMs = frame.storedAtMs;
      } catch {
        // An unreadable record is still counted (and swept by TTL from now).
      }
      const entry: IndexEntry = {
        senderHex: toHex(value.subarray(0, SENDER_BYTES)),
        bytes: value.byteLength,
        storedAtMs,
      };
      this.index(parsed.recipientHex, parsed.seq, entry);
      this.lastIssued.set(parsed.recipientHex, parsed.seq);
      if (parsed.seq > this.lastSeq) this.lastSeq = parsed.seq;
    }
    this.lastSeq += SEQ_RESTART_GAP;
    if (!Number.isSafeInteger(this.lastSeq + SEQ_RESTART_GAP)) {
      throw new NatterError('E_STORE_SEQ', 'mailbox: sequence numbers exhausted');
    }
    await this.db.put(SEQ_KEY, this.seqValue(), { sync: true });
  }

  /**
   * After the store reopened: the index is rebuilt from what LevelDB holds, then
   * acks that were not written yet are applied again (their mail reappeared).
   * The seq moves on by the restart gap, as at any open.
   */
  private async reload(): Promise<void> {
    this.boxes.clear();
    this.perSender.clear();
    this.lastIssued.clear();
    await this.open();
    for (const key of this.deletes) {
      const parsed = parseMailKey(key);
      const box = parsed && this.boxes.get(parsed.recipientHex);
      if (parsed && box) this.unindex(parsed.recipientHex, box, parsed.seq);
    }
    if (this.deletes.length > 0) this.scheduleFlush();
  }

  /** Messages waiting for a recipient. */
  pending(recipientHex: string): number {
    return this.boxes.get(recipientHex)?.entries.size ?? 0;
  }

  /** Total stored messages. */
  get size(): number {
    let n = 0;
    for (const box of this.boxes.values()) n += box.entries.size;
    return n;
  }

  /**
   * Stores one message durably: returns at once with a refusal code, or with the
   * mail (its seq assigned) and `durable`, which resolves with `stored` after the
   * synced batch that holds it. Never throws or rejects for quota reasons.
   */
  enqueue(
    from: Card,
    toHex: string,
    msgId: Uint8Array,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
  ): Enqueued {
    if (this.closed) return REFUSED_CLOSED;
    const refused = this.store.refusal();
    if (refused) return refused;
    const senderHex = toHexCached(from.userId);
    const box = this.boxes.get(toHex);
    if (box && box.entries.size >= this.limits.maxMailboxMessages) {
      return { code: 'recipient-quota', reason: 'recipient mailbox is full' };
    }
    if ((this.perSender.get(senderHex) ?? 0) >= this.limits.maxPendingPerSender) {
      return { code: 'sender-quota', reason: 'too many undelivered messages' };
    }
    const seq = ++this.lastSeq;
    const storedAtMs = this.clock.now();
    const frame = encodeFrame({ type: 'deliver', seq, from, msgId, nonce, ciphertext, storedAtMs });
    const bytes = SENDER_BYTES + frame.byteLength;
    if (box && box.bytes + bytes > this.limits.maxMailboxBytes) {
      this.lastSeq--;
      return { code: 'recipient-quota', reason: 'recipient mailbox is full' };
    }
    const value = new Uint8Array(bytes);
    value.set(from.userId, 0);
    value.set(frame, SENDER_BYTES);
    const entry: IndexEntry = { senderHex, bytes, storedAtMs };
    // Reserve quota now so a burst within one turn cannot overshoot it.
    this.index(toHex, seq, entry);
    const prevSeq = this.lastIssued.get(toHex) ?? 0;
    this.lastIssued.set(toHex, seq);
    const mail: StoredMail = { seq, recipientHex: toHex, frame };
    const durable = new Promise<EnqueueResult>((resolve) => {
      this.puts.push({ key: mailKey(toHex, seq), value, mail, entry, resolve });
      this.putBytes += value.byteLength;
      this.scheduleFlush();
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
    const box = this.boxes.get(recipientHex);
    if (!box || box.entries.size === 0) return { mails: [], done: true };
    const out: StoredMail[] = [];
    let raw = 0;
    const iterator = this.db.iterator({
      gt: mailKey(recipientHex, afterSeq),
      lt: `${MAIL_PREFIX}${recipientHex}!~`,
      limit,
      // classic-level stops a nextv() at 16 KiB by default; one catch-up step wants more.
      highWaterMarkBytes: 1024 * 1024,
    });
    let done = false;
    try {
      // nextv may return fewer than asked while more remain; only an empty result means the end.
      while (raw < limit) {
        const entries = await iterator.nextv(limit - raw);
        if (entries.length === 0) {
          done = true;
          break;
        }
        raw += entries.length;
        for (const [key, value] of entries) {
          const parsed = parseMailKey(key);
          // Skip mail acked (deleted from the index) while the read was in flight.
          if (parsed === null || !box.entries.has(parsed.seq)) continue;
          out.push({ seq: parsed.seq, recipientHex, frame: value.subarray(SENDER_BYTES) });
        }
      }
    } finally {
      await iterator.close();
    }
    return { mails: out, done };
  }

  /** Deletes acknowledged mail of this recipient. Unknown seqs are ignored. */
  ack(recipientHex: string, seqs: readonly number[]): number {
    const box = this.boxes.get(recipientHex);
    if (!box) return 0;
    let n = 0;
    for (const seq of seqs) {
      if (this.unindex(recipientHex, box, seq)) {
        this.deletes.push(mailKey(recipientHex, seq));
        n++;
      }
    }
    if (n > 0) this.scheduleFlush();
    return n;
  }

  /** Drops mail older than the TTL. Returns how many were dropped. */
  sweep(): number {
    const cutoff = this.clock.now() - this.limits.mailTtlMs;
    let n = 0;
    for (const [recipientHex, box] of this.boxes) {
      for (const [seq, entry] of box.entries) {
        if (entry.storedAtMs < cutoff && this.unindex(recipientHex, box, seq)) {
          this.deletes.push(mailKey(recipientHex, seq));
          n++;
        }
      }
    }
    if (n > 0) this.scheduleFlush();
    return n;
  }

  /** Writes everything pending and stops accepting mail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    // Acks left while the store is down are lost with the process; their mail is
    // delivered again after the restart and dropped as a duplicate by the client.
    while (this.writing || this.puts.length > 0 || (this.deletes.length > 0 && this.store.isOpen)) {
      if (this.writing) await this.writing;
      else await this.flush();
    }
  }

  private seqValue(): Uint8Array {
    return Buffer.from(this.lastSeq.toString(16).padStart(SEQ_DIGITS, '0'), 'utf8');
  }

  private index(recipientHex: string, seq: number, entry: IndexEntry): void {
    let box = this.boxes.get(recipientHex);
    if (!box) {
      box = { entries: new Map(), bytes: 0 };
      this.boxes.set(recipientHex, box);
    }
    box.entries.set(seq, entry);
    box.bytes += entry.bytes;
    this.perSender.set(entry.senderHex, (this.perSender.get(entry.senderHex) ?? 0) + 1);
  }

  private unindex(recipientHex: string, box: Box, seq: number): boolean {
    const entry = box.entries.get(seq);
    if (!entry) return false;
    box.entries.delete(seq);
    box.bytes -= entry.bytes;
    if (box.entries.size === 0) this.boxes.delete(recipientHex);
    const left = (this.perSender.get(entry.senderHex) ?? 1) - 1;
    if (left > 0) this.perSender.set(entry.senderHex, left);
    else this.perSender.delete(entry.senderHex);
    return true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.writing) return this.writing;
    const puts = this.puts;
    const deletes = this.deletes;
    if (puts.length === 0 && deletes.length === 0) return Promise.resolve();
    // Acks wait while the store recovers: reload applies them again, then they are written.
    if (puts.length === 0 && !this.store.isOpen) return Promise.resolve();
    const bytes = this.putBytes;
    this.puts = [];
    this.putBytes = 0;
    this.deletes = [];
    const write = this.store
      .write(
        (batch) => {
          // A chained batch: about 2-3x the puts/s of db.batch([...]) here, whose
          // per-operation preparation topped the relay's CPU profile under load.
          for (const p of puts) batch.put(p.key, p.value);
          if (puts.length > 0) batch.put(SEQ_KEY, this.seqValue());
          for (const key of deletes) batch.del(key);
        },
        { sync: puts.length > 0, bytes },
      )
      .then((refused) => {
        if (refused === null) {
          for (const p of puts) p.resolve({ code: 'stored', mail: p.mail });
          return;
        }
        for (const p of puts) {
          const box = this.boxes.get(p.mail.recipientHex);
          if (box) this.unindex(p.mail.recipientHex, box, p.mail.seq);
          p.resolve(refused);
        }
        // The acks were not written: keep them for the next batch (or for reload).
        this.deletes = deletes.concat(this.deletes);
      });
    this.writing = write.finally(() => {
      this.writing = null;
      if (this.puts.length > 0 || (this.deletes.length > 0 && this.store.isOpen)) {
        this.scheduleFlush();
      }
    });
    return this.writing;
  }
}

// Sender ids repeat constantly; hex-encoding the same 32 bytes for every message
// showed up in profiles, so remember the last few.
const hexCache = new WeakMap<Uint8Array, string>();
function toHexCached(bytes: Uint8Array): string {
  let hex = hexCache.get(bytes);
  if (hex === undefined) {
    hex = toHex(bytes);
    hexCache.set(bytes, hex);
  }
  return hex;
}
