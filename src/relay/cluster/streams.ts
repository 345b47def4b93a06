/**
 * A stream of the cluster made, or brought up to its configuration, at every
 * start (mail-stream.ts, group-stream.ts, file-chunks.ts). Relays starting
 * together on a new cluster race to create it while JetStream may still be
 * electing its leaders, so it is tried until it is there
 * (CLUSTER_SETUP_TIMEOUT_MS). Its replica count is never changed here: a stream
 * that has another count than the relay's is refused (replicas.ts).
 */
import type { MsgRequest, StoredMsg, StreamConfig } from '@nats-io/jetstream';
import type { Clock } from '../../util/clock.js';
import { CLUSTER_SETUP_TIMEOUT_MS, type ClusterLink } from './connection.js';
import { replicasDiffer, tooManyReplicas } from './replicas.js';
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
      const info = await jsm.streams.info(config.name).catch((err: unknown) => {
        if ((err as { code?: number }).code === JS_STREAM_NOT_FOUND) return null;
        throw err;
      });
      const have = Math.max(1, info?.config.num_replicas ?? 1);
      const wanted = config.num_replicas ?? 1;
      if (info && have !== wanted) throw replicasDiffer(config.name, have, wanted);
      const made = info ? jsm.streams.update(config.name, config) : jsm.streams.add(config);
      // A count JetStream cannot place ends it at once where no retry can help.
      await made.catch((err: unknown) => {
        const placement = tooManyReplicas(err, wanted);
        throw placement?.final ? placement.error : err;
      });
    },
    CLUSTER_SETUP_TIMEOUT_MS,
  ).catch((err: unknown) => {
    throw tooManyReplicas(err, config.num_replicas ?? 1)?.error ?? err;
  });
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
