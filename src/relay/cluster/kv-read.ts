/**
 * Reading a whole key-value bucket at start (directory.ts, file-records.ts): its keys, then their
 * entries in batches, each step tried again while JetStream elects (retry.ts).
 */
import type { KV, KvEntry } from '@nats-io/kv';
import type { Clock } from '../../util/clock.js';
import { CLUSTER_SETUP_TIMEOUT_MS } from './connection.js';
import { retrying } from './retry.js';

/** Entries read per batch. */
const FETCH_BATCH = 64;

/** Every entry `kv` holds now (deleted keys left out). */
export async function readAllEntries(clock: Clock, kv: KV): Promise<KvEntry[]> {
  const keys = await retrying(
    clock,
    async () => {
      const found: string[] = [];
      for await (const key of await kv.keys()) found.push(key);
      return found;
    },
    CLUSTER_SETUP_TIMEOUT_MS,
  );
  const out: KvEntry[] = [];
  for (let i = 0; i < keys.length; i += FETCH_BATCH) {
    const entries = await retrying(clock, () =>
      Promise.all(keys.slice(i, i + FETCH_BATCH).map((k) => kv.get(k))),
    );
    for (const e of entries) if (e?.operation === 'PUT') out.push(e);
  }
  return out;
}
