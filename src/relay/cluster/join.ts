/**
 * A relay joining its cluster at start (server.ts): the link to NATS, or a coded
 * failure with the relay's own store closed again.
 */
import type { Logger } from '../../util/logger.js';
import type { RelayStore } from '../store/index.js';
import { type ClusterLink, type ClusterOptions, connectCluster } from './connection.js';

export async function joinCluster(
  options: ClusterOptions,
  store: RelayStore,
  log: Logger,
): Promise<ClusterLink> {
  try {
    return await connectCluster(options, log);
  } catch (err) {
    await store.close();
    throw err;
  }
}
