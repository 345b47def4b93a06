/**
 * Reads from the group store: a member's items for catch-up, and pages of a
 * group's log. Both read what is durable, once the store is open.
 */
import { decodeGroupChangeRecord } from '../../wire/codec.js';
import { frame } from '../../wire/framing.js';
import type { GroupChange } from '../../wire/types.js';
import type { RelayStore } from '../store/index.js';
import { itemKey, itemsEnd, logEnd, logKey, parseGroupKey, splitLogValue } from './keys.js';
import type { Ledgers } from './ledgers.js';

/** One item as sessions receive it. */
export interface GroupItemOut {
  readonly gidHex: string;
  readonly gseq: number;
  /** The length prefix and the encoded GroupDeliver frame: the bytes every session writes. */
  readonly framed: Buffer;
}

/**
 * Items of `gidHex` after `afterGseq` that `userHex` may receive, in gseq order, from
 * at most `limit` read; `done` when nothing more was held at the time of the read.
 */
export async function readItems(
  store: RelayStore,
  ledgers: Ledgers,
  gidHex: string,
  userHex: string,
  afterGseq: number,
  limit: number,
): Promise<{ items: GroupItemOut[]; done: boolean }> {
  const before = ledgers.get(gidHex);
  const end = before?.lastEntitled(userHex) ?? 0;
  const last = before?.lastHeld ?? null;
  if (last === null || last <= afterGseq || end <= afterGseq) return { items: [], done: true };
  await store.whenOpen();
  const entries = await store.kv.range({
    gt: itemKey(gidHex, afterGseq),
    lt: itemsEnd(gidHex),
    limit,
  });
  const ledger = ledgers.get(gidHex);
  const items: GroupItemOut[] = [];
  for (const [key, value] of entries) {
    const parsed = parseGroupKey(key);
    if (parsed?.kind !== 'i') continue;
    if (parsed.n > end) return { items, done: true };
    // frame() copies: the store's values may be views it reuses.
    if (ledger?.entitled(userHex, parsed.n)) {
      items.push({ gidHex, gseq: parsed.n, framed: frame(value) });
    }
  }
  return { items, done: entries.length < limit };
}

/** The log of `gidHex` from change `fromSeq` on, at most `limit` changes; `more` if it goes on. */
export async function readLog(
  store: RelayStore,
  gidHex: string,
  fromSeq: number,
  limit: number,
): Promise<{ changes: GroupChange[]; more: boolean }> {
  await store.whenOpen();
  const entries = await store.kv.range({
    gte: logKey(gidHex, fromSeq),
    lt: logEnd(gidHex),
    limit: limit + 1,
  });
  const changes: GroupChange[] = [];
  for (const [, value] of entries.slice(0, limit)) {
    const entry = splitLogValue(value);
    if (entry) changes.push(decodeGroupChangeRecord(entry.record));
  }
  return { changes, more: entries.length > limit };
}
