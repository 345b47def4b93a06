/** Shared builders for presence tests: real identities, real signatures. */
import { generateIdentity, type Identity, signCard } from '../../../src/crypto/index.js';
import { signPresence } from '../../../src/presence/datagram.js';
import type { PeerPresence } from '../../../src/presence/roster.js';
import { toHex } from '../../../src/util/bytes.js';
import type { Card, Status } from '../../../src/wire/types.js';

export const T0 = 1_700_000_000_000;

export interface TestPeer {
  identity: Identity;
  card: Card;
  id: string;
}

export function makePeer(pseudonym: string, identity: Identity = generateIdentity()): TestPeer {
  const card = signCard(identity, pseudonym);
  return { identity, card, id: toHex(identity.signPk) };
}

export function presence(
  peer: TestPeer,
  seq: number,
  extra: { kind?: PeerPresence['kind']; status?: Status; statusText?: string; at?: number } = {},
): PeerPresence {
  return {
    kind: extra.kind ?? 'heartbeat',
    card: peer.card,
    status: extra.status ?? 'online',
    statusText: extra.statusText ?? '',
    seq,
    timestampMs: extra.at ?? T0,
  };
}

/** The signed datagram bytes of a presence from `peer`. */
export function datagramOf(peer: TestPeer, p: PeerPresence): Uint8Array {
  return signPresence(p, peer.identity.signSk);
}
