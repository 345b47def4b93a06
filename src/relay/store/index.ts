export type { KvOp, KvRange, RelayKv } from './kv.js';
export { SCAN_BATCH_BYTES, scan, scanKeys } from './kv.js';
export { LevelKv } from './level.js';
export { MemoryKv } from './memory.js';
export {
  DISK_FULL_RECHECK_MS,
  REFUSED_CLOSED,
  REFUSED_DISK_FULL,
  REFUSED_RECOVERING,
  RelayStore,
  type RelayStoreOptions,
  type StoreRefusal,
} from './relay-store.js';
