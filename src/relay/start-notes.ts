/**
 * What the relay says at start beside its listening line (sixteenth sitting's operator
 * trial): a relay key created in this start (a new relay id: clients that knew another
 * refuse it until told to accept it), and a disk already below the free-space watermark
 * (new users and new mail are refused; the JSON log said so, the human line did not).
 * And a relay key found with no store beside it (the relay operator's trial: a
 * half-restored data dir started "users":0 without a word): the store is made before the
 * key at a first start, and a failed first start removes both (start.ts), so a key alone
 * is a store lost or left out of a restore, or a key copied on purpose to keep the relay
 * id on a new machine. Said, not refused (E_STORE_NEW).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RelayStore } from './store/index.js';

/** The code of the warning that a relay key was found with no store. */
export const STORE_NEW_CODE = 'E_STORE_NEW';

export interface RelayStartNotes {
  /** The relay key was created in this start: a new relay id. */
  readonly newKey: boolean;
  /** The free space of the data dir's file system when below the watermark, else null. */
  readonly lowDisk: { readonly freeBytes: number; readonly minFreeBytes: number } | null;
  /** The store in this path was made new in this start beside an existing relay key, else null. */
  readonly storeNew: string | null;
}

/**
 * Before the store opens: its path if the data dir holds a relay key and no store (no
 * LevelDB CURRENT file: missing, or an empty folder), else null.
 */
export async function storeMissingBesideKey(dataDir: string): Promise<string | null> {
  const has = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );
  const store = join(dataDir, 'store');
  const lost = (await has(join(dataDir, 'relay-key.json'))) && !(await has(join(store, 'CURRENT')));
  return lost ? store : null;
}

export async function startNotes(
  store: RelayStore,
  newKey: boolean,
  storeNew: string | null = null,
): Promise<RelayStartNotes> {
  const free = await store.freeSpace();
  const min = store.minFreeDiskBytes;
  const low = free !== null && free < min;
  return { newKey, lowDisk: low ? { freeBytes: free, minFreeBytes: min } : null, storeNew };
}

/** The warning for notes.storeNew, in the log and (relay-run.ts) on stderr. */
export function storeNewWarning(store: string): string {
  return `the data directory has a relay key but no store: ${store} was missing and starts empty, so every user registered before must register again and the mail that waited there is gone; if this is a restore, stop the relay and restore store/ from the same backup as relay-key.json (${STORE_NEW_CODE})`;
}
