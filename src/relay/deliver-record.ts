/**
 * The stored 1:1 record is the encoded Deliver frame (fanout.ts), so a push
 * hands stored bytes to the socket unchanged. These read it back: when it was
 * stored (for the TTL, at open), and, in a cluster, the record stored with seq
 * 0 given the seq JetStream assigned (cluster/mailbox.ts).
 */
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { RelayFailureCode, relayFailure } from './errors.js';

/** The record of an announcement that carries only a seq (an unordered offer reads the store). */
export const NO_RECORD = new Uint8Array(0);

/** A stored 1:1 record (a Deliver frame stored with seq 0, in a cluster) with its seq. */
export function deliverWithSeq(record: Uint8Array, seq: number): Uint8Array {
  const frame = decodeFrame(record);
  if (frame.type !== 'deliver')
    throw relayFailure(RelayFailureCode.StoreOpen, 'stored mail is not a Deliver frame');
  return encodeFrame({ ...frame, seq });
}

/** When a stored 1:1 record (an encoded Deliver frame) was stored, for the TTL; null if unreadable. */
export function deliverStoredAt(record: Uint8Array): number | null {
  try {
    const frame = decodeFrame(record);
    return frame.type === 'deliver' ? frame.storedAtMs : null;
  } catch {
    return null;
  }
}
