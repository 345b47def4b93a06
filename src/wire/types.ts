/**
 * Domain types: what the codec returns after validation. Generated protobuf
 * types never leave src/wire; everything above sees only these.
 * Byte fields are owned copies of the exact length stated.
 */

export type Status = 'online' | 'away' | 'busy';
export const STATUSES: readonly Status[] = ['online', 'away', 'busy'];

/** A user's public card: identity key, pseudonym, box key signed by the identity key. */
export interface Card {
  /** Ed25519 public key (32 bytes): the user id. */
  userId: Uint8Array;
  /** NFKC, validated by pseudonymProblem(). */
  pseudonym: string;
  /** X25519 public key (32 bytes). */
  boxPk: Uint8Array;
  /** Ed25519(userId, "natter-boxkey-v1" || boxPk), 64 bytes. */
  boxSig: Uint8Array;
}

export type AckCode =
  | 'stored'
  | 'unknown-recipient'
  | 'recipient-quota'
  | 'sender-quota'
  | 'disk-full'
  | 'too-large'
  | 'internal';

export interface RosterEntry {
  card: Card;
  status: Status;
  statusText: string;
  online: boolean;
}

export type Frame =
  | { type: 'hello'; version: number; clientNonce: Uint8Array }
  | {
      type: 'challenge';
      version: number;
      relayId: Uint8Array;
      challenge: Uint8Array;
      relaySig: Uint8Array;
      relayName: string;
    }
  | { type: 'register'; card: Card; sig: Uint8Array }
  | { type: 'login'; pseudonym: string; userId: Uint8Array; sig: Uint8Array; card: Card | null }
  | { type: 'ready'; card: Card; pending: number; serverTimeMs: number }
  | { type: 'send'; to: Uint8Array; msgId: Uint8Array; nonce: Uint8Array; ciphertext: Uint8Array }
  | { type: 'send-ack'; msgId: Uint8Array; code: AckCode; reason: string }
  | {
      type: 'deliver';
      seq: number;
      from: Card;
      msgId: Uint8Array;
      nonce: Uint8Array;
      ciphertext: Uint8Array;
      storedAtMs: number;
    }
  | { type: 'deliver-ack'; seqs: number[] }
  | { type: 'lookup'; requestId: number; by: { pseudonym: string } | { userId: Uint8Array } }
  | { type: 'lookup-result'; requestId: number; card: Card | null; online: boolean }
  | { type: 'error'; code: string; message: string }
  | { type: 'goodbye'; reason: string }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  | { type: 'roster-update'; full: boolean; entries: RosterEntry[] }
  | { type: 'set-status'; status: Status; statusText: string };

export type FrameType = Frame['type'];
export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;

/** Content of an end-to-end message. */
export type InnerContent =
  | { kind: 'text'; body: string }
  | { kind: 'receipt'; msgIds: Uint8Array[] };

/** The plaintext sealed inside every box (DESIGN.md §3). */
export interface Inner {
  sender: Uint8Array;
  recipient: Uint8Array;
  msgId: Uint8Array;
  counter: number;
  sentAtMs: number;
  senderName: string;
  content: InnerContent;
}

export type PresenceKind = 'heartbeat' | 'hello' | 'query' | 'bye' | 'relay';

export type Presence =
  | {
      kind: 'heartbeat' | 'hello' | 'bye';
      card: Card;
      status: Status;
      statusText: string;
      seq: number;
      timestampMs: number;
    }
  | { kind: 'query'; card: Card | null; seq: number; timestampMs: number; queryNonce: Uint8Array }
  | {
      kind: 'relay';
      relayId: Uint8Array;
      relayPort: number;
      relayName: string;
      seq: number;
      timestampMs: number;
    };

/** A datagram as received: the signed bytes and the signature, not yet verified. */
export interface SignedDatagram {
  body: Uint8Array;
  signature: Uint8Array;
}
