/**
 * Reads groups back from the store (at open, and after a refused write): every
 * log is checked again from create on (verifyLog's rules through applyChange),
 * the membership intervals are rebuilt from the gseq each change was stored at,
 * then the cursors and the items held are laid over them (ledger.ts).
 */
import { applyChange } from '../../crypto/group-log.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { decodeFrame, decodeGroupChangeRecord } from '../../wire/codec.js';
import { type KvRange, type RelayKv, scan } from '../store/index.js';
import { decodeU64, parseGroupKey, splitLogValue } from './keys.js';
import { GroupLedger, type ItemEntry } from './ledger.js';
import { type GroupRecord, membershipOf, recordOf } from './registry.js';

export interface LoadedGroup {
  gidHex: string;
  /** The group after its whole log, with who brought each member in. */
  record: GroupRecord;
  ledger: GroupLedger;
}

interface Raw {
  gidHex: string;
  cursors: Map<string, number>;
  items: ItemEntry[];
  log: { gseq: number; record: Uint8Array }[];
  highWater: number;
}

/** Entries read per batch. */
const SCAN_BATCH = 4096;

/** Every group whose keys lie in `range`, in key order; groups whose log fails are logged and left out. */
export async function loadGroups(
  kv: RelayKv,
  range: Omit<KvRange, 'limit'>,
  log: Logger,
  nowMs: number,
): Promise<LoadedGroup[]> {
  const out: LoadedGroup[] = [];
  let raw: Raw | null = null;
  const finish = () => {
    const group = raw && build(raw, log);
    if (group) out.push(group);
  };
  for await (const [key, value] of scan(kv, range, SCAN_BATCH)) {
    const parsed = parseGroupKey(key);
    if (parsed === null) continue;
    if (raw === null || raw.gidHex !== parsed.gidHex) {
      finish();
      raw = { gidHex: parsed.gidHex, cursors: new Map(), items: [], log: [], highWater: 0 };
    }
    switch (parsed.kind) {
      case 'c': {
        const cursor = decodeU64(value);
        if (cursor !== null) raw.cursors.set(parsed.userHex, cursor);
        break;
      }
      case 'i':
        raw.items.push({
          gseq: parsed.n,
          bytes: value.length,
          // An unreadable item is still held (and swept by the TTL from now).
          storedAtMs: storedAtOf(value) ?? nowMs,
        });
        break;
      case 'l': {
        const entry = splitLogValue(value);
        if (entry) raw.log.push({ gseq: entry.gseq, record: Uint8Array.from(entry.record) });
        break;
      }
      case 's':
        raw.highWater = decodeU64(value) ?? 0;
        break;
    }
  }
  finish();
  return out;
}

function build(raw: Raw, log: Logger): LoadedGroup | null {
  const group = raw.gidHex.slice(0, 16);
  if (raw.log.length === 0) {
    log.warn('group items without a log; not served', { group });
    return null;
  }
  const ledger = new GroupLedger();
  let record: GroupRecord | undefined;
  try {
    for (const entry of raw.log) {
      const change = decodeGroupChangeRecord(entry.record);
      record = recordOf(raw.gidHex, applyChange(record?.state ?? null, change), change, record);
      const { joined, left } = membershipOf(change);
      for (const userHex of joined) ledger.join(userHex, entry.gseq);
      for (const userHex of left) ledger.leave(userHex, entry.gseq);
    }
  } catch (err) {
    log.error('stored group log does not verify; group not served', {
      group,
      ...describeError(err),
    });
    return null;
  }
  for (const [userHex, cursor] of raw.cursors) {
    const track = ledger.tracks.get(userHex);
    if (!track) continue;
    track.cursor = cursor;
    track.written = cursor;
  }
  ledger.takeDone();
  for (const item of raw.items) ledger.addItem(item);
  ledger.lastIssued = Math.max(
    raw.highWater,
    raw.items[raw.items.length - 1]?.gseq ?? 0,
    raw.log[raw.log.length - 1]?.gseq ?? 0,
  );
  return { gidHex: raw.gidHex, record: record as GroupRecord, ledger };
}

/** When a stored item (an encoded GroupDeliver frame) was stored; null if unreadable. */
function storedAtOf(value: Uint8Array): number | null {
  try {
    const frame = decodeFrame(value);
    return frame.type === 'group-deliver' ? frame.storedAtMs : null;
  } catch {
    return null;
  }
}
