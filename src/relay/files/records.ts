/**
 * File transfer metadata in LevelDB (docs/files.md: LevelDB holds only metadata, the
 * chunks live in blob files). Key spaces, versioned (STYLE.md §11); hex ids are fixed
 * width, so a transfer's keys sort together:
 *   f1!t!<transfer id hex>                     the transfer (uploader, size, chunk size,
 *                                              blob number, creation time, recipients)
 *   f1!h!<transfer id hex>                     `have`: chunks durable in the blob
 *   f1!d!<transfer id hex>!<recipient hex>     a recipient's FileDone (received|declined)
 *   f1!p!<user id hex>                         the user's max incoming file bytes (FilePolicy)
 *   f1!n                                       the last blob number issued
 * The transfer record is written once, at FilePut; `have` is rewritten by every upload
 * batch and each recipient's outcome is its own key, so neither rewrites the recipient list.
 */
import { utf8 } from '../../util/bytes.js';
import type { KvOp, RelayKv } from '../store/index.js';
import { scan } from '../store/index.js';

const PREFIX = 'f1!';
const TRANSFER = `${PREFIX}t!`;
const HAVE = `${PREFIX}h!`;
const DONE = `${PREFIX}d!`;
const POLICY = `${PREFIX}p!`;
const BLOB_SEQ = `${PREFIX}n`;
/** Record layout version inside the value, for a later change of the JSON shape. */
const RECORD_VERSION = 1;

export type RecipientState = 'pending' | 'received' | 'declined';

/** What FilePut stores about a transfer. */
export interface TransferRecord {
  tidHex: string;
  uploaderHex: string;
  size: number;
  chunkBytes: number;
  /** The blob file's number (blob-store.ts names the file after it). */
  blob: number;
  createdAtMs: number;
  /** Recipients' user ids in hex, fixed at put time. */
  recipients: string[];
}

/** Everything stored about files, as `load` reads it back. */
export interface LoadedFiles {
  transfers: { record: TransferRecord; have: number; done: Map<string, RecipientState> }[];
  policies: Map<string, number>;
  lastBlob: number;
}

const decoder = new TextDecoder();
const json = (value: Uint8Array): unknown => JSON.parse(decoder.decode(value));
const isHex = (s: unknown, length: number): s is string =>
  typeof s === 'string' && s.length === length && /^[0-9a-f]+$/.test(s);
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** A transfer record's stored value (its id is in the key). */
export function encodeRecord(record: TransferRecord): Uint8Array {
  const { tidHex: _tid, ...rest } = record;
  return utf8(JSON.stringify({ v: RECORD_VERSION, ...rest }));
}

export function transferOps(record: TransferRecord, lastBlob: number): KvOp[] {
  return [
    { type: 'put', key: TRANSFER + record.tidHex, value: encodeRecord(record) },
    { type: 'put', key: BLOB_SEQ, value: utf8(String(lastBlob)) },
  ];
}

export function haveOp(tidHex: string, have: number): KvOp {
  return { type: 'put', key: HAVE + tidHex, value: utf8(String(have)) };
}

/** Whether a write is a `have` count: it replaces a key of a few bytes, adding nothing to the disk. */
export function isHaveOp(op: KvOp): boolean {
  return op.key.startsWith(HAVE);
}

export function doneOp(tidHex: string, recipientHex: string, state: RecipientState): KvOp {
  return { type: 'put', key: `${DONE}${tidHex}!${recipientHex}`, value: utf8(state) };
}

/** Deletes every key of a transfer. */
export function deleteOps(record: TransferRecord): KvOp[] {
  return [
    { type: 'del', key: TRANSFER + record.tidHex },
    { type: 'del', key: HAVE + record.tidHex },
    ...record.recipients.map((r): KvOp => ({ type: 'del', key: `${DONE}${record.tidHex}!${r}` })),
  ];
}

/** A user's FilePolicy; 0 (the default) deletes it. */
export function policyOp(userHex: string, maxIncomingBytes: number): KvOp {
  return maxIncomingBytes === 0
    ? { type: 'del', key: POLICY + userHex }
    : { type: 'put', key: POLICY + userHex, value: utf8(String(maxIncomingBytes)) };
}

/** A stored record back, or null if it does not read as one (never trusted further). */
export function parseRecord(tidHex: string, value: Uint8Array): TransferRecord | null {
  try {
    const r = json(value) as Record<string, unknown>;
    if (r.v !== RECORD_VERSION || !isHex(r.uploaderHex, 64)) return null;
    if (!isCount(r.size) || !isCount(r.chunkBytes) || r.chunkBytes === 0) return null;
    if (!isCount(r.blob) || !isCount(r.createdAtMs) || !Array.isArray(r.recipients)) return null;
    if (!r.recipients.every((x) => isHex(x, 64))) return null;
    return {
      tidHex,
      uploaderHex: r.uploaderHex,
      size: r.size,
      chunkBytes: r.chunkBytes,
      blob: r.blob,
      createdAtMs: r.createdAtMs,
      recipients: r.recipients as string[],
    };
  } catch {
    return null;
  }
}

const count = (value: Uint8Array): number => {
  const n = Number(decoder.decode(value));
  return isCount(n) ? n : 0;
};

/** Reads every file key back (at start). Unreadable entries are skipped. */
export async function loadFiles(kv: RelayKv): Promise<LoadedFiles> {
  const records = new Map<string, TransferRecord>();
  const haves = new Map<string, number>();
  const dones = new Map<string, Map<string, RecipientState>>();
  const policies = new Map<string, number>();
  let lastBlob = 0;
  for await (const [key, value] of scan(kv, { gte: PREFIX, lt: `${PREFIX}~` })) {
    if (key === BLOB_SEQ) lastBlob = Math.max(lastBlob, count(value));
    else if (key.startsWith(TRANSFER)) {
      const tidHex = key.slice(TRANSFER.length);
      const record = isHex(tidHex, 32) ? parseRecord(tidHex, value) : null;
      if (record) records.set(tidHex, record);
    } else if (key.startsWith(HAVE)) haves.set(key.slice(HAVE.length), count(value));
    else if (key.startsWith(DONE)) {
      const [tidHex, recipientHex] = key.slice(DONE.length).split('!');
      const state = decoder.decode(value);
      if (tidHex && recipientHex && (state === 'received' || state === 'declined')) {
        const m = dones.get(tidHex) ?? new Map<string, RecipientState>();
        dones.set(tidHex, m);
        m.set(recipientHex, state);
      }
    } else if (key.startsWith(POLICY)) {
      const n = count(value);
      if (n > 0) policies.set(key.slice(POLICY.length), n);
    }
  }
  const transfers = [...records.values()].map((record) => {
    lastBlob = Math.max(lastBlob, record.blob);
    return {
      record,
      have: haves.get(record.tidHex) ?? 0,
      done: dones.get(record.tidHex) ?? new Map<string, RecipientState>(),
    };
  });
  return { transfers, policies, lastBlob };
}
