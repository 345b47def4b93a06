/**
 * A stream of the cluster made, or brought up to its configuration, at every
 * start (mail-stream.ts, group-stream.ts, file-chunks.ts). Relays starting
 * together on a new cluster race to create it while JetStream may still be
 * electing its leaders, so it is tried until it is there
 * (CLUSTER_SETUP_TIMEOUT_MS).
 */
import type { StreamConfig } from '@nats-io/jetstream';
import type { Clock } from '../../util/clock.js';
import { CLUSTER_SETUP_TIMEOUT_MS, type ClusterLink } from './connection.js';
import { retrying } from './retry.js';

const JS_STREAM_NOT_FOUND = 10059;

export async function ensureStream(
  link: ClusterLink,
  clock: Clock,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  await retrying(
    clock,
    async () => {
      const { jsm } = link;
      const exists = await jsm.streams.info(config.name).then(
        () => true,
        (err: unknown) => {
          if ((err as { code?: number }).code === JS_STREAM_NOT_FOUND) return false;
          throw err;
        },
      );
      if (exists) await jsm.streams.update(config.name, config);
      else await jsm.streams.add(config);
    },
    CLUSTER_SETUP_TIMEOUT_MS,
  );
}
