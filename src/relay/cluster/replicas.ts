/**
 * The replica count of the cluster's streams and buckets is the cluster's, not a
 * relay's (operator trial): a relay started with another `--cluster-replicas`
 * once updated every stream to its count, silently, for every relay (R3 to R1),
 * while the buckets kept theirs. Now a starting relay reads the count the
 * streams and buckets have, takes it when it was given none, refuses to start
 * when it was given another, and never changes it (streams.ts). Changing the
 * count is an operator's step with the nats CLI (README "Running several
 * relays"; docs/decisions.md "The replica count is the cluster's").
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { RelayFailureCode, relayFailure } from '../errors.js';

const JS_STREAM_NOT_FOUND = 10059;
/** nats-server's JSStreamReplicasNotSupportedErr: replicas > 1 on a server that is no cluster. */
const JS_REPLICAS_NOT_CLUSTERED = 10074;
/** nats-server's JSClusterNoPeersErrF: fewer JetStream nodes than replicas (or not yet all known). */
const JS_NO_PEERS = 10005;

/** What a starting relay found and chose. */
export interface ReplicaChoice {
  readonly replicas: number;
  /** True when the cluster's streams or buckets already had this count. */
  readonly found: boolean;
}

/** `n replica(s)`, for messages. */
export function replicasText(n: number): string {
  return `${n} replica${n === 1 ? '' : 's'}`;
}

/** The replica count of each of `streams` that exists (a bucket is the stream `KV_<bucket>`). */
export async function existingReplicas(
  jsm: JetStreamManager,
  streams: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const name of streams) {
    const info = await jsm.streams.info(name).catch((err: unknown) => {
      if ((err as { code?: number }).code === JS_STREAM_NOT_FOUND) return null;
      throw err;
    });
    // nats-server stores 0 for a stream made without the field: one replica.
    if (info) found.set(name, Math.max(1, info.config.num_replicas ?? 1));
  }
  return found;
}

/**
 * The count this relay uses: the cluster's when its streams and buckets have one,
 * else `wanted` (default 1). Refuses a `wanted` that differs from the cluster's,
 * and streams and buckets that disagree among themselves (an older relay's doing).
 */
export function chooseReplicas(
  found: ReadonlyMap<string, number>,
  wanted: number | undefined,
): ReplicaChoice {
  const counts = [...new Set(found.values())];
  if (counts.length > 1) {
    const each = [...found].map(([name, n]) => `${name} ${n}`).join(', ');
    throw relayFailure(
      RelayFailureCode.ClusterReplicas,
      `relay: the cluster's streams and buckets have different replica counts (${each}): give them all one count with \`nats stream edit NAME --replicas N\` (README "Running several relays"), then start the relay`,
    );
  }
  const have = counts[0];
  if (have === undefined) return { replicas: wanted ?? 1, found: false };
  if (wanted !== undefined && wanted !== have) {
    throw relayFailure(
      RelayFailureCode.ClusterReplicas,
      `relay: --cluster-replicas ${wanted} differs from the cluster's ${have} (its streams and buckets have ${replicasText(have)}): start this relay with --cluster-replicas ${have}, or without it; a relay never changes the count (README "Running several relays")`,
    );
  }
  return { replicas: have, found: true };
}

/** A stream that exists with another count than this relay's: refused, never updated. */
export function replicasDiffer(stream: string, have: number, wanted: number): Error {
  return relayFailure(
    RelayFailureCode.ClusterReplicas,
    `relay: ${stream} has ${replicasText(have)}, this relay ${wanted}: start it with --cluster-replicas ${have}, or without it; a relay never changes the count`,
  );
}

/**
 * JetStream's refusal of a count it cannot place, as a coded failure, or null
 * for any other error. `final` is false for "no suitable peers", which a cluster
 * still electing its leaders also says for a while.
 */
export function tooManyReplicas(
  err: unknown,
  replicas: number,
): { error: Error; final: boolean } | null {
  const code = (err as { code?: number } | null)?.code;
  if (code === JS_REPLICAS_NOT_CLUSTERED) {
    return {
      final: true,
      error: relayFailure(
        RelayFailureCode.ClusterReplicas,
        `relay: --cluster-replicas ${replicas} needs a JetStream cluster of at least ${replicas} nats-server nodes, and this nats-server is not clustered: start the relay with --cluster-replicas 1, or cluster the nats-servers (README "Running several relays")`,
        err,
      ),
    };
  }
  if (code === JS_NO_PEERS) {
    return {
      final: false,
      error: relayFailure(
        RelayFailureCode.ClusterReplicas,
        `relay: JetStream has fewer than ${replicas} nodes that can hold a copy (no suitable peers for placement): start the relay with --cluster-replicas no larger than the number of JetStream nodes, or start the missing nodes`,
        err,
      ),
    };
  }
  return null;
}
