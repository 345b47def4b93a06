/**
 * A stream of the cluster made, or brought up to its configuration, at every
 * start (mail-stream.ts, group-stream.ts, file-chunks.ts). Relays starting
 * together on a new cluster race to create it while JetStream may still be
 * electing its leaders, so it is tried until it is there
 * (CLUSTER_SETUP_TIMEOUT_MS).
 */
import type { MsgRequest, StoredMsg, StreamConfig } from '@nats-io/jetstream';
import type { Clock } from '../../util/clock.js';
import { CLUSTER_SETUP_TIMEOUT_MS, type ClusterLink } from './connection.js';
import { retrying } from './retry.js';

const JS_STREAM_NOT_FOUND = 10059;
const JS_NO_MESSAGE = 10037;

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

/**
 * The first message of `stream` on `subject` (wildcards allowed) at or after `fromSeq`,
 * or null, from the stream's leader (not a direct get: a replica's copy may lag behind
 * an ack); tried again while JetStream elects (retry.ts).
 */
export function nextStored(
  link: ClusterLink,
  clock: Clock,
  stream: string,
  subject: string,
  fromSeq: number,
): Promise<StoredMsg | null> {
  return retrying(clock, () =>
    link.jsm.streams.getMessage(
      stream,
      // nats-server takes next_by_subj on STREAM.MSG.GET (2.9+); the client's type omits it.
      { next_by_subj: subject, seq: fromSeq } as unknown as MsgRequest,
    ),
  ).catch((err: unknown) => {
    if ((err as { code?: number }).code === JS_NO_MESSAGE) return null;
    throw err;
  });
}
