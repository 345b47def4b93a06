/**
 * The mailbox index's snapshot (mail-index.ts), so that an open learns each stored mail's
 * sender, size and store time from its key rather than its value: one record per
 * recipient, x1!<recipient hex>, listing the seq, store time, size and sender of each
 * mail indexed. Reading every value made a relay with 1.1 GB waiting peak at 1.55 GB
 * and listen 4.7 s (16 s after a kill -9) after its start (QA, seventeenth sitting).
 *
 * A snapshot of any age is right: a mail's key (recipient, seq never issued twice:
 * mail-keys.ts SEQ_RESTART_GAP) fixes its sender, size and store time, and the open goes by
 * the keys actually stored: an entry whose key is gone is passed over, a key without an
 * entry (mail stored since the last snapshot, or stores written before snapshots) is read
 * from its value. So it is written off the hot path, whole: after each open, at each TTL
 * sweep and at close, unsynced (a lost one costs reads, never mail).
 */
import { fromHex, toHex } from '../util/bytes.js';
import type { Clock } from '../util/clock.js';
import type { Box, MailIndex, SenderTally } from './mail-index.js';
import { type HeldNote, MAIL_PREFIX, parseMailKey, SENDER_BYTES } from './mail-keys.js';
import { type KvOp, type RelayStore, scanKeys } from './store/index.js';

export const SNAPSHOT_PREFIX = 'x1!';
/** After the senders' count and the entries' count: per entry, seq and store time (float64), size and sender's place (uint32). */
const HEAD_BYTES = 8;
const ENTRY_BYTES = 24;
/** Keys read per batch at open. */
const KEY_BATCH = 4096;

/** One recipient's record: the senders' ids, then the entries in seq order. */
export function encodeSnapshot(box: Box<HeldNote>): Uint8Array {
  const senders = new Map<SenderTally, number>();
  const entries: number[] = [];
  box.forEachLive((seq, sender, bytes, storedAt) => {
    let at = senders.get(sender);
    if (at === undefined) {
      at = senders.size;
      senders.set(sender, at);
    }
    entries.push(seq, storedAt, bytes, at);
  });
  const n = entries.length / 4;
  const out = Buffer.alloc(HEAD_BYTES + senders.size * SENDER_BYTES + n * ENTRY_BYTES);
  out.writeUInt32LE(senders.size, 0);
  out.writeUInt32LE(n, 4);
  let off = HEAD_BYTES;
  for (const sender of senders.keys()) {
    out.set(fromHex(sender.hex), off);
    off += SENDER_BYTES;
  }
  for (let i = 0; i < entries.length; i += 4) {
    out.writeDoubleLE(entries[i]!, off);
    out.writeDoubleLE(entries[i + 1]!, off + 8);
    out.writeUInt32LE(entries[i + 2]!, off + 16);
    out.writeUInt32LE(entries[i + 3]!, off + 20);
    off += ENTRY_BYTES;
  }
  return out;
}

/** A recipient's record read back, looked up in seq order (the keys' order). */
class Entries {
  private next = 0;
  private readonly view: Buffer;
  private readonly n: number;
  private readonly at: number;
  private readonly senders: string[] = [];

  /** null: not a record this version wrote (then every mail is read from its value). */
  static of(value: Uint8Array | undefined): Entries | null {
    if (value === undefined || value.length < HEAD_BYTES) return null;
    const view = Buffer.from(value.buffer, value.byteOffset, value.length);
    const senders = view.readUInt32LE(0);
    const n = view.readUInt32LE(4);
    const at = HEAD_BYTES + senders * SENDER_BYTES;
    return at + n * ENTRY_BYTES === view.length ? new Entries(view, senders, n, at) : null;
  }

  private constructor(view: Buffer, senders: number, n: number, at: number) {
    this.view = view;
    this.n = n;
    this.at = at;
    for (let i = 0; i < senders; i++) {
      const from = HEAD_BYTES + i * SENDER_BYTES;
      this.senders.push(toHex(view.subarray(from, from + SENDER_BYTES)));
    }
  }

  /** The entry of `seq` (seqs asked in rising order), or -1. */
  find(seq: number): number {
    while (this.next < this.n && this.seqAt(this.next) < seq) this.next++;
    return this.next < this.n && this.seqAt(this.next) === seq ? this.next : -1;
  }

  seqAt(i: number): number {
    return this.view.readDoubleLE(this.at + i * ENTRY_BYTES);
  }

  storedAt(i: number): number {
    return this.view.readDoubleLE(this.at + i * ENTRY_BYTES + 8);
  }

  bytes(i: number): number {
    return this.view.readUInt32LE(this.at + i * ENTRY_BYTES + 16);
  }

  /** The sender's hex, or undefined if the record names none there. */
  sender(i: number): string | undefined {
    return this.senders[this.view.readUInt32LE(this.at + i * ENTRY_BYTES + 20)];
  }
}

/**
 * The mailbox index's snapshot records: read at open (`indexStoredMail`) and written
 * whole (`save`); it knows which recipients have one, so that records of recipients
 * whose mail is gone are deleted.
 */
export class MailSnapshot {
  private recorded = new Set<string>();
  /** Mail read from values at the last open. */
  private readValues = 0;
  /** The mailbox's last seq and size at the last snapshot: none is written unchanged. */
  private savedAs = '';

  constructor(
    private readonly store: RelayStore,
    private readonly index: MailIndex<HeldNote>,
    /** When a stored record was stored, read back at open; null: unknown (then now). */
    private readonly options: { storedAtOf: (record: Uint8Array) => number | null; clock: Clock },
  ) {}

  /**
   * Indexes every stored mail (the mailbox's open): its box, sender, size and store
   * time, from the snapshot where it has the mail's key, else from the value
   * (`storedAtOf` its record; `clock.now()` for one it cannot read, which is still counted
   * and swept by TTL from now). Only keys and snapshot records are read in bulk.
   */
  async indexStoredMail(): Promise<number> {
    const { kv } = this.store;
    const { index } = this;
    const { storedAtOf, clock } = this.options;
    const found = { highest: 0, readValues: 0 };
    this.recorded = new Set();
    const snapshots = { gt: SNAPSHOT_PREFIX, lt: `${SNAPSHOT_PREFIX}~` };
    for await (const key of scanKeys(kv, snapshots, KEY_BATCH)) {
      this.recorded.add(key.slice(SNAPSHOT_PREFIX.length));
    }
    let recipient = '';
    let box: Box<HeldNote> | null = null;
    let entries: Entries | null = null;
    const range = { gt: MAIL_PREFIX, lt: `${MAIL_PREFIX}~` };
    for await (const key of scanKeys(kv, range, KEY_BATCH)) {
      const parsed = parseMailKey(key);
      if (parsed === null) continue;
      const { recipientHex, seq } = parsed;
      if (box === null || recipientHex !== recipient) {
        recipient = recipientHex;
        box = index.box(recipientHex);
        const recorded = this.recorded.has(recipientHex);
        entries = recorded ? Entries.of(await kv.get(SNAPSHOT_PREFIX + recipientHex)) : null;
      }
      const i = entries === null ? -1 : entries.find(seq);
      const senderHex = i < 0 ? undefined : entries?.sender(i);
      if (entries !== null && senderHex !== undefined) {
        box.add(seq, index.sender(senderHex), entries.bytes(i), entries.storedAt(i), null);
      } else {
        const value = await kv.get(key);
        found.readValues++;
        if (value === undefined || value.length <= SENDER_BYTES) continue;
        const sender = index.sender(toHex(value.subarray(0, SENDER_BYTES)));
        const storedAt = storedAtOf(value.subarray(SENDER_BYTES)) ?? clock.now();
        box.add(seq, sender, value.length, storedAt, null);
      }
      box.lastIssued = seq;
      if (seq > found.highest) found.highest = seq;
    }
    this.readValues = found.readValues;
    return found.highest;
  }

  /** The open is done, `lastSeq` issued: a snapshot is due if it read values. */
  opened(lastSeq: number): void {
    this.savedAs = this.readValues > 0 ? '' : this.stateOf(lastSeq);
  }

  private stateOf(lastSeq: number): string {
    return `${lastSeq}:${this.index.size}`;
  }

  /**
   * Writes the snapshot of the index, if it changed (unsynced: a lost one costs reads at the next open,
   * never mail); a refused write is left for the next.
   */
  async save(lastSeq: number): Promise<void> {
    const state = this.stateOf(lastSeq);
    if (state === this.savedAs) return;
    this.savedAs = state;
    const { store, index } = this;
    const ops: KvOp[] = [];
    const recorded = new Set<string>();
    let bytes = 0;
    for (const [recipientHex, box] of index.entries()) {
      if (box.count === 0) continue;
      const value = encodeSnapshot(box);
      ops.push({ type: 'put', key: SNAPSHOT_PREFIX + recipientHex, value });
      bytes += value.length;
      recorded.add(recipientHex);
    }
    for (const recipientHex of this.recorded) {
      if (!recorded.has(recipientHex))
        ops.push({ type: 'del', key: SNAPSHOT_PREFIX + recipientHex });
    }
    if (ops.length === 0) return;
    const refused = await store.write(ops, { sync: false, bytes });
    if (refused === null) this.recorded = recorded;
    else this.savedAs = ''; // the next sweep or the close tries again
  }
}
