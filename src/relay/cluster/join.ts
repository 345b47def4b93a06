/**
 * A relay joining its cluster at start (server.ts): the link to NATS, or a coded
 * failure with the relay's own store closed again.
 *
 * A standalone relay restarted with --cluster on its data directory once started
 * without a word (operator trial): its users, kept in its LevelDB, were unknown to
 * the cluster's directory, its mail was never read again, and its clients met the
 * cluster's relay id (E_RELAY_KEY_CHANGED). It is refused now, before NATS is
 * touched; a cluster relay's own store stays empty, so its restarts pass.
 */
import type { Logger } from '../../util/logger.js';
import { USER_PREFIX } from '../directory.js';
import { RelayFailureCode, relayFailure } from '../errors.js';
import { MAIL_PREFIX } from '../mail-keys.js';
import { type RelayStore, scan } from '../store/index.js';
import { type ClusterLink, type ClusterOptions, connectCluster } from './connection.js';

export async function joinCluster(
  options: ClusterOptions,
  dataDir: string,
  store: RelayStore,
  log: Logger,
): Promise<ClusterLink> {
  try {
    await refuseStandaloneData(store, dataDir);
    return await connectCluster(options, log);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function count(store: RelayStore, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of scan(store.kv, { gt: prefix, lt: `${prefix}~` })) n++;
  return n;
}

async function refuseStandaloneData(store: RelayStore, dataDir: string): Promise<void> {
  const users = await count(store, USER_PREFIX);
  if (users === 0) return;
  const mail = await count(store, MAIL_PREFIX);
  throw relayFailure(
    RelayFailureCode.StandaloneData,
    `relay: --data ${dataDir} holds ${users} user(s) and ${mail} stored message(s) of a relay run without --cluster; with --cluster they would be lost to it (the cluster's directory does not know them, their mail, groups and files stay here unread, and their clients may meet another relay id, E_RELAY_KEY_CHANGED): give --cluster a new --data directory and let the users register on the cluster, or run this relay without --cluster (README "Moving from one relay to a cluster")`,
  );
}
