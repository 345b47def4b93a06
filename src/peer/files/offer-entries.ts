/**
 * An offer's entry list checked whole, before anything is fetched or written (docs/files.md
 * "The offer"): every path safe (checkRelativePath), and the list consistent with itself. A
 * folder whose list names one path twice, or a path both as a file and as a folder above
 * another entry (`a` and `a/b`), cannot be saved whole, so it is refused as damaged
 * (E_FILE_BAD_OFFER) rather than found out half way through saving (a hostile-peer trial left
 * `d/a/b`, `d (1)/a` ...). Several paths sent at once may repeat a top-level name (two files
 * `x.txt` from two folders): each is saved on its own under a free name, so only more of one
 * name than the namer tries (MAX_UNIQUE_NAME_TRIES) is refused. Pure: O(entries × depth).
 */
import { MAX_FILE_ENTRIES } from '../../wire/limits.js';
import { FilesCode, filesError } from './errors.js';
import { checkRelativePath, MAX_UNIQUE_NAME_TRIES, safeDisplayName } from './safe-name.js';

export interface EntryCheckOptions {
  /**
   * Compare names as a case-insensitive file system does (NFC, lower case): two entries that
   * differ only in case would be one file there. Off, names compare exactly, as on ext4.
   */
  fold?: boolean;
}

/** The key two names share when the file system takes them for one. */
export const nameKey = (name: string, fold: boolean): string =>
  fold ? name.normalize('NFC').toLowerCase() : name;

/**
 * Throws E_FILE_BAD_PATH for an unsafe path and E_FILE_BAD_OFFER for a list that contradicts
 * itself or is too long; `several` is FileOffer.several. Nothing is created.
 */
export function checkOfferEntries(
  entries: readonly { path: string }[],
  several: boolean,
  opts: EntryCheckOptions = {},
): void {
  const fold = opts.fold === true;
  if (entries.length > MAX_FILE_ENTRIES) {
    throw badOffer(
      `${entries.length} entries, more than the ${MAX_FILE_ENTRIES} an offer may list`,
    );
  }
  const split = entries.map((e) => checkRelativePath(e.path));
  if (!several) {
    checkTree(split, fold, '');
    return;
  }
  /** Several: each folder item's entries (below its top segment), and how many items share a name. */
  const folders = new Map<string, string[][]>();
  const named = new Map<string, number>();
  const count = (top: string) => {
    const key = nameKey(safeDisplayName(top), true);
    const n = (named.get(key) ?? 0) + 1;
    named.set(key, n);
    if (n > MAX_UNIQUE_NAME_TRIES) {
      throw badOffer(`more than ${MAX_UNIQUE_NAME_TRIES} items named ${quote(top)}`);
    }
  };
  for (const segments of split) {
    if (segments.length === 1) {
      count(segments[0]!);
      continue;
    }
    const top = segments[0]!;
    let inside = folders.get(top);
    if (inside === undefined) {
      inside = [];
      folders.set(top, inside);
      count(top);
    }
    inside.push(segments.slice(1));
  }
  for (const [top, inside] of folders) checkTree(inside, fold, `${top}/`);
}

/** E_FILE_BAD_OFFER unless no path repeats and none is both a file and a folder. */
function checkTree(paths: readonly string[][], fold: boolean, prefix: string): void {
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const segments of paths) {
    const keys = segments.map((s) => nameKey(s, fold));
    const path = keys.join('/');
    const shown = `${prefix}${segments.join('/')}`;
    if (files.has(path)) throw badOffer(`${quote(shown)} is listed twice`);
    if (folders.has(path)) throw badOffer(`${quote(shown)} is listed as a file and as a folder`);
    files.add(path);
    for (let depth = 1; depth < keys.length; depth++) {
      const above = keys.slice(0, depth).join('/');
      if (files.has(above)) {
        const folder = `${prefix}${segments.slice(0, depth).join('/')}`;
        throw badOffer(`${quote(folder)} is listed as a file and as a folder`);
      }
      folders.add(above);
    }
  }
}

/** How a receiver's E_FILE_BAD_OFFER begins; the sender says its own words (stream-source.ts). */
export const DAMAGED_OFFER = 'the offer is damaged, it contradicts itself: ';

const badOffer = (why: string) => filesError(FilesCode.BadOffer, `${DAMAGED_OFFER}${why}`);

/** A short, printable rendering of a peer's path (safeDisplayName per segment). */
function quote(path: string): string {
  const shown = path
    .split('/')
    .map((s) => safeDisplayName(s))
    .join('/');
  const chars = [...shown];
  return JSON.stringify(chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : shown);
}
