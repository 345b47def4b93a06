/**
 * What a transport hands the link (DESIGN.md §2, issue 10): the cleartext stream of a
 * secure channel to a relay, and what that channel proved. transport.ts makes one from
 * TLS 1.3; unit tests make them from in-memory pairs. There is no channel without
 * these: a relay that does not speak TLS is never reached.
 */
import type { Duplex } from 'node:stream';

export interface RelayChannel {
  /** The bytes inside the channel: frames go here. */
  readonly stream: Duplex;
  /**
   * The raw Ed25519 key that authenticated the relay's end (its TLS certificate's key,
   * proven by the handshake's CertificateVerify). The Challenge's relay id must equal it.
   */
  readonly relayKey: Uint8Array;
  /** The channel binding (TLS exporter, 32 bytes) that Register and Login sign. */
  readonly binding: Uint8Array;
}
