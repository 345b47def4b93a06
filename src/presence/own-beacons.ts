/**
 * The sequence numbers of this relay's own recent beacons (the relay operator's trial: two
 * relays run on copies of one data dir announce one relay id, clients send to either, and
 * a recipient's mail was split between them without a word). A beacon that carries this
 * relay's id and verifies is either its own looping back (it beacons to broadcast
 * addresses it also listens on) or a twin's: the twin signs with the same key, but its
 * seqs (milliseconds of its clock, kept strictly increasing) are ones this relay did not
 * send. Needs no field on the wire. Limits: a twin that signs the very seq this relay
 * just did is taken for an echo once (its next beacon is not); a replay of an old own
 * beacon from another address, past the remembered ones and within the timestamp window,
 * is taken for a twin (only a log line comes of it).
 */
import { OWN_BEACON_SEQS } from './constants.js';

export class OwnBeacons {
  private readonly seqs = new Set<number>();

  constructor(private readonly max = OWN_BEACON_SEQS) {}

  /** A beacon with this seq was signed; the oldest remembered goes past `max`. */
  sent(seq: number): void {
    this.seqs.add(seq);
    if (this.seqs.size > this.max) {
      const oldest = this.seqs.values().next().value;
      if (oldest !== undefined) this.seqs.delete(oldest);
    }
  }

  /** Whether a beacon with this seq and this relay's id was one of ours. */
  isOurs(seq: number): boolean {
    return this.seqs.has(seq);
  }
}
