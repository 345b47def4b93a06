/**
 * The relay's LevelDB: one database per data dir, opened once. LevelDB's own
 * LOCK file makes a second relay on the same dir fail fast; we turn that into
 * a clear, coded error.
 *
 * Key spaces (versioned prefixes; see mailbox.ts and directory.ts):
 *   m1!<recipient hex>!<seq, 16 hex digits>   stored mail, in delivery order
 *   u1!<user id hex>                          directory card
 *   n1!<pseudonym key>                        pseudonym -> user id hex
 *   s1!seq                                    last mail sequence number issued
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AbstractBatchOperation } from 'abstract-level';
import { Level } from 'level';
import { NatterError } from '../util/errors.js';

export type RelayDb = Level<string, Uint8Array>;
export type RelayBatchOp = AbstractBatchOperation<RelayDb, string, Uint8Array>;

export async function openRelayDb(dataDir: string): Promise<RelayDb> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const db = new Level<string, Uint8Array>(join(dataDir, 'store'), {
    keyEncoding: 'utf8',
    valueEncoding: 'view',
  });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new NatterError(
        'E_RELAY_LOCKED',
        `relay: data dir ${dataDir} is in use by another relay process`,
        { cause: err },
      );
    }
    throw new NatterError('E_STORE_OPEN', `relay: could not open the store in ${dataDir}`, {
      cause: err,
    });
  }
  return db;
}
