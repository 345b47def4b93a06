/**
 * The store's counters never go down. A counter is put with the value it had when its
 * ops were made, and ops are made before they are written: a group's unit makes a
 * history entry's ops (history's local number, meta!seq), then waits for other work
 * while a 1:1 batch makes and writes the next number; the unit's batch, written after,
 * put back the lower number. The next process numbered from there again, and its new
 * unread mark (v1!unread!<number>) replaced an older one: a trial's group messages
 * never reached `natter inbox`. The same could put a conversation's counter back, and
 * a message numbered again is dropped by its recipient as a replay.
 *
 * So each counter put is raised to the highest this store was given for that key. Writes
 * are committed in the order they are given (store.ts: GroupCommit), so what is on disk
 * only ever grows, and each process starts from the highest it reached.
 */
import type { KvOp } from './store.js';

/** meta!seq (history.ts), meta!outseq and meta!counter!<conversation> (outbox.ts). */
const EXACT = new Set(['v1!meta!seq', 'v1!meta!outseq']);
const PREFIXES = ['v1!meta!counter!'];

export function isCounterKey(key: string): boolean {
  return EXACT.has(key) || PREFIXES.some((p) => key.startsWith(p));
}

export class CounterKeys {
  private readonly highest = new Map<string, number>();

  /** `ops`, each counter put raised to the highest given so far for its key. */
  raise(ops: KvOp[]): KvOp[] {
    let out = ops;
    for (const [i, op] of ops.entries()) {
      if (op.type !== 'put' || typeof op.value !== 'string' || !isCounterKey(op.key)) continue;
      const value = Number(op.value);
      if (!Number.isFinite(value)) continue;
      const high = this.highest.get(op.key);
      if (high === undefined || value >= high) {
        this.highest.set(op.key, value);
        continue;
      }
      if (out === ops) out = [...ops];
      out[i] = { type: 'put', key: op.key, value: String(high) };
    }
    return out;
  }
}
