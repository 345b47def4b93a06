/**
 * The keys of the cluster's file records (file-records.ts) and what their entries mean,
 * as on one relay (files/records.ts), so that no two relays ever rewrite the same key
 * but for `have`:
 *   t.<transfer id hex>                  the record (uploader, size, chunk size, creation
 *                                        time, recipients), written once by a `create`
 *   h.<transfer id hex>                  `have`, only ever raised (compare-and-set)
 *   d.<transfer id hex>.<recipient hex>  a recipient's FileDone (received|declined)
 * and in the policies bucket, user id hex -> max incoming bytes. Pure: entries in, values
 * out; anything that does not read is left out (only relays write here, but a bucket is
 * not trusted further than a LevelDB key).
 */
import { parseRecord, type RecipientState, type TransferRecord } from '../files/records.js';
import type { StoredTransfer } from '../files/storage.js';
import type { WatchedEntry } from './kept-watch.js';

const RECORD = 't.';
const HAVE = 'h.';
const DONE = 'd.';
const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_64 = /^[0-9a-f]{64}$/;
const decoder = new TextDecoder();

export const recordKey = (tidHex: string) => RECORD + tidHex;
export const haveKey = (tidHex: string) => HAVE + tidHex;
export const doneKey = (tidHex: string, userHex: string) => `${DONE}${tidHex}.${userHex}`;

/** A count stored as decimal text (0 if it does not read as one). */
export function countOf(e: WatchedEntry): number {
  const n = Number(decoder.decode(e.value));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export function stateOf(e: WatchedEntry): RecipientState | null {
  const s = decoder.decode(e.value);
  return s === 'received' || s === 'declined' ? s : null;
}

/** What one entry of the records bucket says; a record of null: the transfer was deleted. */
export type FileEntry =
  | { kind: 'record'; tidHex: string; record: TransferRecord | null }
  | { kind: 'have'; tidHex: string; have: number; revision: number }
  | { kind: 'done'; tidHex: string; userHex: string; state: RecipientState };

export function parseEntry(e: WatchedEntry): FileEntry | null {
  const put = e.operation === 'PUT';
  if (e.key.startsWith(RECORD)) {
    const tidHex = e.key.slice(RECORD.length);
    if (!HEX_32.test(tidHex)) return null;
    if (!put) return { kind: 'record', tidHex, record: null };
    const record = parseRecord(tidHex, e.value);
    return record ? { kind: 'record', tidHex, record } : null;
  }
  if (!put) return null;
  if (e.key.startsWith(HAVE)) {
    const tidHex = e.key.slice(HAVE.length);
    return HEX_32.test(tidHex)
      ? { kind: 'have', tidHex, have: countOf(e), revision: e.revision }
      : null;
  }
  if (e.key.startsWith(DONE)) {
    const [tidHex, userHex] = e.key.slice(DONE.length).split('.');
    const state = stateOf(e);
    if (!tidHex || !userHex || !state || !HEX_32.test(tidHex) || !HEX_64.test(userHex)) return null;
    return { kind: 'done', tidHex, userHex, state };
  }
  return null;
}

/** The transfers a bucket's entries describe (records with their `have` and outcomes). */
export function collect(entries: readonly WatchedEntry[]): StoredTransfer[] {
  const parsed = entries.map(parseEntry);
  const byTid = new Map<string, StoredTransfer & { done: Map<string, RecipientState> }>();
  for (const p of parsed) {
    if (p?.kind === 'record' && p.record) {
      byTid.set(p.tidHex, { record: p.record, have: 0, done: new Map() });
    }
  }
  for (const p of parsed) {
    const s = p ? byTid.get(p.tidHex) : undefined;
    if (!s || !p) continue;
    if (p.kind === 'have') s.have = p.have;
    else if (p.kind === 'done') s.done.set(p.userHex, p.state);
  }
  return [...byTid.values()];
}

/** A FilePolicy entry: the user and their limit (0: back to the default). */
export function parsePolicy(e: WatchedEntry): { userHex: string; maxIncomingBytes: number } | null {
  if (!HEX_64.test(e.key)) return null;
  return { userHex: e.key, maxIncomingBytes: e.operation === 'PUT' ? countOf(e) : 0 };
}
