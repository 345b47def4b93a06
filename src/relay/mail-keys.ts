/**
 * The mailbox's LevelDB keys and values (mailbox.ts): m1!<recipient hex>!<seq as 16 hex
 * digits>, so keys sort in delivery order, holding [sender id] || [record]; and s1!seq
 * for the sequence's high-water mark. Also reading one recipient's mail back (`readMail`);
 * the open indexes it all through mail-snapshot.ts.
 */
import { allocBytes } from '../util/bytes.js';
import type { Held } from './held-puts.js';
import type { Box } from './mail-index.js';
import type { MailDone, StoredMail } from './mail-store.js';
import type { KvOp, RelayKv } from './store/index.js';

export const MAIL_PREFIX = 'm1!';
export const SEQ_KEY = 's1!seq';
export const SEQ_DIGITS = 16;
/** A mail value starts with its sender's id. */
export const SENDER_BYTES = 32;

/**
 * How far the mailbox's `open` moves the sequence on each start. It must exceed the
 * seqs one run can issue without writing them: sends in flight (connections x
 * maxInflightSendsPerSession, 10,000 x 4,096 < 2^31) plus the seqs of held puts taken
 * back unwritten (fewer than MAX_UNWRITTEN_SEQS). 2^53 / 2^32 leaves two million restarts.
 */
export const SEQ_RESTART_GAP = 2 ** 32;
/** Past this many seqs issued since the last put batch, no put is held (held-puts.ts). */
export const MAX_UNWRITTEN_SEQS = 2 ** 30;

/** A seq as fixed-width hex, so keys and the high-water mark sort as numbers. */
function seqHex(seq: number): string {
  return seq.toString(16).padStart(SEQ_DIGITS, '0');
}

/** The high-water mark as stored under SEQ_KEY. */
export function seqValue(seq: number): Uint8Array {
  return Buffer.from(seqHex(seq), 'utf8');
}

export function parseSeqValue(value: Uint8Array): number {
  return Number.parseInt(Buffer.from(value).toString('utf8'), 16);
}

export function mailKey(recipientHex: string, seq: number): string {
  return `${MAIL_PREFIX}${recipientHex}!${seqHex(seq)}`;
}

export function parseMailKey(key: string): { recipientHex: string; seq: number } | null {
  const parts = key.split('!');
  if (parts.length !== 3 || parts[1]?.length !== 64 || parts[2]?.length !== SEQ_DIGITS) return null;
  return { recipientHex: parts[1], seq: Number.parseInt(parts[2], 16) };
}

/**
 * One put on its way (mailbox.ts), and the mail it stores: held for its recipient's ack
 * (held-puts.ts; its key and value built only if it is written) or waiting for its
 * batch; `done` hears how it ended (EnqueueResult), with `msgId`. One object per message
 * (the mail the sessions get is this object), no closure and no promise: at 500 clients
 * tens of thousands are in flight, and what each keeps is what the old generation collects.
 */
export interface PendingPut extends StoredMail {
  senderId: Uint8Array;
  bytes: number;
  /** Its recipient's box in the mailbox's index. */
  box: Box<HeldNote>;
  msgId: Uint8Array | undefined;
  done: MailDone;
}

/**
 * The mailbox's note per indexed mail: its held put; or, for mail pushed early and not
 * held because holding did not pay, the time of its put (clock ms), whose ack tells
 * whether holding would have (`HeldPuts.ackedUnheld`); otherwise null.
 */
export type HeldNote = Held | number | null;

/** The held put a note names, if it names one. */
export const heldOf = (note: HeldNote): Held | null => (typeof note === 'object' ? note : null);

/** The store's put of `put`: its record after the sender id, `put.bytes` in all. */
export function putOf(put: PendingPut): KvOp {
  const value = allocBytes(put.bytes);
  value.set(put.senderId, 0);
  value.set(put.record, SENDER_BYTES);
  return { type: 'put', key: mailKey(put.recipientHex, put.seq), value };
}

/**
 * `recipientHex`'s stored mail with seq > afterSeq, in order, at most `limit`, skipping
 * seqs not `indexed`; `done` when nothing more was stored at the time of the read.
 */
export async function readMail(
  kv: RelayKv,
  recipientHex: string,
  afterSeq: number,
  limit: number,
  indexed: (seq: number) => boolean,
): Promise<{ mails: StoredMail[]; done: boolean }> {
  const entries = await kv.range({
    gt: mailKey(recipientHex, afterSeq),
    lt: `${MAIL_PREFIX}${recipientHex}!~`,
    limit,
  });
  const mails: StoredMail[] = [];
  for (const [key, value] of entries) {
    const parsed = parseMailKey(key);
    if (parsed === null || !indexed(parsed.seq)) continue;
    mails.push({ seq: parsed.seq, recipientHex, record: value.subarray(SENDER_BYTES) });
  }
  return { mails, done: entries.length < limit };
}
