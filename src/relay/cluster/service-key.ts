/**
 * One relay id for the whole cluster (docs/decisions.md, "Issue 15: one service,
 * one relay id"). Clients pin the relay id and every login proof signs over it,
 * so relays that act as one service must prove one id: then a client whose
 * relay dies reconnects to any other, which proves the same key, with no new
 * trust decision. The first relay to start stores its seed in the service
 * bucket (create: compare-and-set on an absent key); every other adopts it.
 * The NATS cluster is therefore inside the relay's trust boundary, as its
 * LevelDB directory is for a single relay.
 */

import { systemClock } from '../../util/clock.js';
import { RelayFailureCode, relayFailure } from '../errors.js';
import { type RelayKey, relayKeyFromJson, relayKeyJson } from '../identity.js';
import { CLUSTER_SETUP_TIMEOUT_MS, type ClusterLink } from './connection.js';
import { retrying } from './retry.js';

const KEY = 'relay-key';

function parse(bytes: Uint8Array): RelayKey {
  return relayKeyFromJson(Buffer.from(bytes).toString('utf8'), 'the cluster relay key');
}

/**
 * The cluster's relay key: the one stored, or `own` (this relay's, whose Ed25519
 * secret key starts with its 32-byte seed) if none is yet.
 */
export function clusterRelayKey(link: ClusterLink, own: RelayKey): Promise<RelayKey> {
  // Relays starting together on a new cluster race here, while JetStream may still be electing.
  return retrying(systemClock, () => agree(link, own), CLUSTER_SETUP_TIMEOUT_MS);
}

async function agree(link: ClusterLink, own: RelayKey): Promise<RelayKey> {
  const stored = await link.service.get(KEY);
  if (stored && stored.operation === 'PUT') return parse(stored.value);
  const value = Buffer.from(relayKeyJson(own.secretKey.subarray(0, 32)), 'utf8');
  try {
    await link.service.create(KEY, value);
    return own;
  } catch {
    // Another relay stored its key first: that one is the cluster's.
    const won = await link.service.get(KEY);
    if (won?.operation !== 'PUT') {
      throw relayFailure(
        RelayFailureCode.ClusterUnreachable,
        'relay: could not agree on the cluster relay key',
      );
    }
    return parse(won.value);
  }
}
