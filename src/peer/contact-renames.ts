/**
 * Renames in the contact book (contacts.ts), pure over its records: which record a
 * name leads to now, whose keys a card under a new name carries, the two records a
 * rename leaves, and the old names the relay has confirmed as left (nameLeft).
 */
import { pseudonymKey } from '../wire/text.js';
import {
  isCurrent,
  MAX_PENDING_KEYS,
  pendingOf,
  type StoredCard,
  type StoredContact,
  sameKeys,
} from './contact-records.js';

type Book = ReadonlyMap<string, StoredContact>;

/** The record `name` leads to now: itself, or the one its holder renamed themselves to. */
export function currentOf(book: Book, name: string): StoredContact | undefined {
  const start = book.get(pseudonymKey(name));
  let c = start;
  for (let hops = 0; c?.renamedTo !== undefined && hops < MAX_PENDING_KEYS; hops++) {
    // Only as far as the same keys, settled: a name since taken by someone else (trusted
    // there) or with a key change pending is not theirs to follow into.
    const next = book.get(pseudonymKey(c.renamedTo));
    if (next === undefined || !sameKeys(next, start!) || pendingOf(next).length > 0) break;
    c = next;
  }
  return c;
}

/** A contact pinned to exactly these keys under another name, with no key change pending. */
export function formerOf(book: Book, seen: StoredCard): StoredContact | undefined {
  const all = [...book.values()].filter((c) => sameKeys(c, seen) && pendingOf(c).length === 0);
  return all.find(isCurrent) ?? all[0];
}

/** The records a rename leaves: the old name (marked), and the pin moved to the new one. */
export function renameRecords(
  former: StoredContact,
  seen: StoredCard,
  confirmed: boolean,
): { old: StoredContact; moved: StoredContact } {
  const { renamedTo: _, renameConfirmed: _confirmed, ...rest } = former;
  return {
    moved: { ...rest, ...seen },
    old: {
      ...former,
      renamedTo: seen.pseudonym,
      ...(confirmed ? { renameConfirmed: true } : {}),
    },
  };
}

/** The relay vouches for `current`'s name: their old names that lead to it, now confirmed. */
export function confirmedRenames(book: Book, current: StoredContact): StoredContact[] {
  return [...book.values()]
    .filter((c) => c.renamedTo !== undefined && c.renameConfirmed !== true && sameKeys(c, current))
    .filter((c) => currentOf(book, c.pseudonym)?.pseudonym === current.pseudonym)
    .map((c) => ({ ...c, renameConfirmed: true }));
}
