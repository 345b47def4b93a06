/**
 * The group store's keys and small values (docs/groups.md, "Relay"). Versioned
 * and sorted in the order they are read (STYLE.md §11): within one group the
 * cursors, then the items in gseq order, then the log in seq order, then the
 * high-water mark.
 *
 *   g1!<gid hex>!c!<member hex>     that member's cursor: u64 BE, the highest gseq it acknowledged
 *   g1!<gid hex>!i!<gseq, 16 hex>   one item: the encoded GroupDeliver frame, sent to sockets as is
 *   g1!<gid hex>!l!<seq, 8 hex>     one log entry: u64 BE gseq of its item, then the encoded change
 *   g1!<gid hex>!s                  the highest gseq issued: u64 BE
 */
import { encodeGroupChangeRecord } from '../../wire/codec.js';
import type { GroupChange } from '../../wire/types.js';

export const GROUP_PREFIX = 'g1!';
const GSEQ_DIGITS = 16;
const SEQ_DIGITS = 8;
const GID_HEX_CHARS = 32;
const USER_HEX_CHARS = 64;
const U64_BYTES = 8;

export function groupPrefix(gidHex: string): string {
  return `${GROUP_PREFIX}${gidHex}!`;
}

export function cursorKey(gidHex: string, userHex: string): string {
  return `${GROUP_PREFIX}${gidHex}!c!${userHex}`;
}

export function itemKey(gidHex: string, gseq: number): string {
  return `${GROUP_PREFIX}${gidHex}!i!${gseq.toString(16).padStart(GSEQ_DIGITS, '0')}`;
}

/** Sorts after every item key of the group. */
export function itemsEnd(gidHex: string): string {
  return `${GROUP_PREFIX}${gidHex}!i!~`;
}

export function logKey(gidHex: string, seq: number): string {
  return `${GROUP_PREFIX}${gidHex}!l!${seq.toString(16).padStart(SEQ_DIGITS, '0')}`;
}

export function logEnd(gidHex: string): string {
  return `${GROUP_PREFIX}${gidHex}!l!~`;
}

export function highWaterKey(gidHex: string): string {
  return `${GROUP_PREFIX}${gidHex}!s`;
}

export type ParsedKey =
  | { gidHex: string; kind: 'c'; userHex: string }
  | { gidHex: string; kind: 'i' | 'l'; n: number }
  | { gidHex: string; kind: 's' };

/** A group key's parts, or null for anything else (skipped at open). */
export function parseGroupKey(key: string): ParsedKey | null {
  const parts = key.split('!');
  const gidHex = parts[1];
  if (parts[0] !== 'g1' || gidHex?.length !== GID_HEX_CHARS) return null;
  if (parts.length === 3 && parts[2] === 's') return { gidHex, kind: 's' };
  if (parts.length !== 4) return null;
  const [, , kind, rest] = parts as [string, string, string, string];
  if (kind === 'c' && rest.length === USER_HEX_CHARS) return { gidHex, kind, userHex: rest };
  if (
    (kind === 'i' && rest.length === GSEQ_DIGITS) ||
    (kind === 'l' && rest.length === SEQ_DIGITS)
  ) {
    const n = Number.parseInt(rest, 16);
    return Number.isSafeInteger(n) ? { gidHex, kind, n } : null;
  }
  return null;
}

export function encodeU64(n: number): Uint8Array {
  const out = new Uint8Array(U64_BYTES);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

/** A stored u64, or null when the value is not 8 bytes or not a safe integer. */
export function decodeU64(bytes: Uint8Array): number | null {
  if (bytes.length < U64_BYTES) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, U64_BYTES).getBigUint64(0, false);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}

/** A log entry's value: the gseq of the change's item, then the change as stored bytes. */
export function encodeLogValue(gseq: number, change: GroupChange): Uint8Array {
  const record = encodeGroupChangeRecord(change);
  const out = new Uint8Array(U64_BYTES + record.length);
  out.set(encodeU64(gseq), 0);
  out.set(record, U64_BYTES);
  return out;
}

/** The parts of a log entry's value (the record still encoded), or null. */
export function splitLogValue(value: Uint8Array): { gseq: number; record: Uint8Array } | null {
  const gseq = decodeU64(value);
  if (gseq === null || value.length <= U64_BYTES) return null;
  return { gseq, record: value.subarray(U64_BYTES) };
}
