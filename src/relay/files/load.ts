/**
 * The file state as a relay start finds it (docs/files.md "Blob store"): every transfer
 * record with its durable `have`, each blob cut to exactly that (bytes of a write torn
 * by a crash are never served), blobs no record names removed, and users' policies.
 */
import type { Logger } from '../../util/logger.js';
import type { RelayKv } from '../store/index.js';
import type { BlobStore } from './blob-store.js';
import { loadFiles } from './records.js';
import { Transfer } from './transfer.js';

export interface RestoredFiles {
  transfers: Transfer[];
  policies: Map<string, number>;
  lastBlob: number;
}

export async function restoreFiles(
  kv: RelayKv,
  blobs: BlobStore,
  log: Logger,
): Promise<RestoredFiles> {
  const loaded = await loadFiles(kv);
  const kept = new Set<number>();
  const transfers: Transfer[] = [];
  for (const { record, have, done } of loaded.transfers) {
    const t = new Transfer(record, have, done);
    kept.add(record.blob);
    const want = t.layout.offset(t.have);
    const length = await blobs.truncate(record.blob, want);
    if (length < want) {
      // The blob lost what LevelDB says is durable (a disk that lied): serve only what is there.
      log.warn('file blob shorter than its record', { transfer: t.tidHex.slice(0, 8) });
      t.resetHave(Math.floor(length / t.layout.stride));
      t.blobCreated = length > 0;
    }
    transfers.push(t);
  }
  for (const n of await blobs.list()) if (!kept.has(n)) await blobs.remove(n);
  return { transfers, policies: loaded.policies, lastBlob: loaded.lastBlob };
}
