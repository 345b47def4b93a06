/**
 * What the relay says at start beside its listening line (sixteenth sitting's operator
 * trial): a relay key created in this start (a new relay id: clients that knew another
 * refuse it until told to accept it), and a disk already below the free-space watermark
 * (new users and new mail are refused; the JSON log said so, the human line did not).
 */
import type { RelayStore } from './store/index.js';

export interface RelayStartNotes {
  /** The relay key was created in this start: a new relay id. */
  readonly newKey: boolean;
  /** The free space of the data dir's file system when below the watermark, else null. */
  readonly lowDisk: { readonly freeBytes: number; readonly minFreeBytes: number } | null;
}

export async function startNotes(store: RelayStore, newKey: boolean): Promise<RelayStartNotes> {
  const free = await store.freeSpace();
  const min = store.minFreeDiskBytes;
  const low = free !== null && free < min;
  return { newKey, lowDisk: low ? { freeBytes: free, minFreeBytes: min } : null };
}
