/**
 * The names a LAN listener (`natter who --lan`, `who --watch` on the LAN alone) pins to
 * keys, read from the profile without opening its key: its own name and its contacts'.
 * With them a listener shows an impostor of a contact, or a look-alike of one, as the
 * chat does (a conflict, never that contact) instead of pinning whichever key it heard
 * first. Nothing is created: a directory that is no profile has no names.
 */
import { access } from 'node:fs/promises';
import { readSignPublicKey } from '../../crypto/keyfile.js';
import { toHex } from '../../util/bytes.js';
import { isNatterError } from '../../util/errors.js';
import type { StoredContact } from '../contact-records.js';
import { PeerCode } from '../errors.js';
import { profilePaths, readConfig } from '../profile.js';
import { PeerStore, PREFIX } from '../store.js';

/** A name pinned to a key (user id hex). */
export interface KnownName {
  pseudonym: string;
  userId: string;
}

/**
 * The profile's own name, if it has one, and its contacts' names (old names of contacts
 * who renamed themselves included); `contacts` null when another process holds the
 * profile's store (its running client can be asked instead).
 */
export async function readKnownNames(
  profileDir: string,
): Promise<{ own: KnownName | null; contacts: KnownName[] | null }> {
  const paths = profilePaths(profileDir);
  const config = await readConfig(paths).catch(() => ({ pseudonym: undefined }));
  const key = await readSignPublicKey(paths.identity).catch(() => null);
  const own =
    key === null || config.pseudonym === undefined
      ? null
      : { pseudonym: config.pseudonym, userId: toHex(key) };
  if (
    !(await access(paths.db).then(
      () => true,
      () => false,
    ))
  )
    return { own, contacts: [] };
  let store: PeerStore;
  try {
    store = await PeerStore.open(paths.db, paths.dir);
  } catch (err) {
    if (isNatterError(err, PeerCode.ProfileInUse)) return { own, contacts: null };
    throw err;
  }
  try {
    const contacts: KnownName[] = [];
    for await (const [, c] of store.scan<StoredContact>(PREFIX.contact)) {
      contacts.push({ pseudonym: c.pseudonym, userId: c.userId });
    }
    return { own, contacts };
  } finally {
    await store.close();
  }
}
