/**
 * What the file service reads from the profile at open (transfers.ts takes it): the
 * transfer records, the receiver's settings, and senders' cancels that came before their
 * offers (cancels.ts; those kept too long are dropped here).
 */
import type { PeerStore } from '../store.js';
import { type EarlyCancel, loadEarlyCancels } from './cancels.js';
import { type IncomingRecord, loadRecords, type OutgoingRecord } from './records.js';
import { FILE_SETTINGS_KEY, type FileSettings, parseSettings } from './settings.js';

/** What loadTransfers() read from the store. */
export interface TransfersLoaded {
  outgoing: OutgoingRecord[];
  incoming: IncomingRecord[];
  settings: FileSettings;
  /** Senders' cancels that came before their offers, by transfer id. */
  earlyCancels: Map<string, EarlyCancel>;
}

export async function loadTransfers(store: PeerStore, nowMs: number): Promise<TransfersLoaded> {
  const settings = await store.getJson<Partial<FileSettings>>(FILE_SETTINGS_KEY);
  const { early, stale } = await loadEarlyCancels(store, nowMs);
  if (stale.length > 0) await store.write(stale);
  const records = await loadRecords(store);
  return { ...records, settings: parseSettings(settings), earlyCancels: early };
}
