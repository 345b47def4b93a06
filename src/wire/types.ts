/**
 * Domain types: what the codec returns after validation. Generated protobuf
 * types never leave src/wire; everything above sees only these.
 * Byte fields are owned copies of the exact length stated, but for two that the
 * relay reads only in the turn the frame arrives: a FileChunk's data and a Send's
 * recipient, nonce and ciphertext are views of the frame (codec/chunk.ts, codec/hot.ts).
 */
import type { FileFrame, FileOffer, FileOutcome } from './file-types.js';

export type Status = 'online' | 'away' | 'busy';
export const STATUSES: readonly Status[] = ['online', 'away', 'busy'];

/**
 * A user's public card: identity key, pseudonym and box key, all three signed by the
 * identity key (src/crypto/card.ts), so none can be swapped or re-labelled alone.
 */
export interface Card {
  /** Ed25519 public key (32 bytes): the user id. */
  userId: Uint8Array;
  /** NFKC, validated by pseudonymProblem(). */
  pseudonym: string;
  /** X25519 public key (32 bytes). */
  boxPk: Uint8Array;
  /** Ed25519(userId, "natter-card-v2" || userId || len-prefixed pseudonym || boxPk), 64 bytes. */
  cardSig: Uint8Array;
}

export type AckCode =
  | 'stored'
  | 'unknown-recipient'
  | 'recipient-quota'
  | 'sender-quota'
  | 'disk-full'
  | 'too-large'
  | 'internal'
  /** A group message sealed for an epoch a membership change ended: seal it again. */
  | 'stale-epoch'
  /**
   * The recipient acknowledged the message before the relay wrote it, so it was never
   * written: as safe as `stored` (docs/decisions.md, "Acknowledged before written").
   */
  | 'delivered';

/** A SendAck code after which the message is safe and never sent again: `stored` or `delivered`. */
export function isKeptAck(code: AckCode): boolean {
  return code === 'stored' || code === 'delivered';
}

/**
 * A status as its user signed it (SetStatus), or null when the user's session has
 * not sent one. `seq` increases strictly per user.
 */
export interface StatusSignature {
  seq: number;
  /** Ed25519 over (src/crypto/status.ts) user id, status, text, seq; 64 bytes. */
  sig: Uint8Array;
}

export interface RosterEntry {
  card: Card;
  status: Status;
  statusText: string;
  online: boolean;
  /** The user's signature over status and statusText, forwarded by the relay unchanged. */
  signed: StatusSignature | null;
}

export type Frame =
  | {
      type: 'hello';
      version: number;
      clientNonce: Uint8Array;
      /** CLIENT_FEATURE_* bits (wire/limits.ts); 0 from a client that predates them. */
      features: number;
    }
  | {
      type: 'challenge';
      version: number;
      relayId: Uint8Array;
      challenge: Uint8Array;
      relaySig: Uint8Array;
      relayName: string;
      /** RELAY_FEATURE_* bits (wire/limits.ts); 0 from a relay that predates them. */
      features: number;
    }
  | {
      type: 'register';
      card: Card;
      sig: Uint8Array;
      /** Not announced in the roster (a one-shot command); proto Register.quiet. */
      quiet: boolean;
    }
  | {
      type: 'login';
      pseudonym: string;
      userId: Uint8Array;
      sig: Uint8Array;
      card: Card | null;
      /** Not announced in the roster (a one-shot command); proto Login.quiet. */
      quiet: boolean;
    }
  | { type: 'ready'; card: Card; pending: number; serverTimeMs: number; reachedAt?: string }
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
  /** code '' : the relay reaches its mail store; else why not (E_STORE_UNAVAILABLE). */
  | { type: 'store-status'; code: string }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  | { type: 'roster-update'; full: boolean; entries: RosterEntry[] }
  | { type: 'set-status'; status: Status; statusText: string; seq: number; sig: Uint8Array }
  | { type: 'group-change'; requestId: number; change: GroupChange }
  | { type: 'group-change-result'; requestId: number; code: string; reason: string; gseq: number }
  | { type: 'group-send'; groupId: Uint8Array; msgId: Uint8Array; body: Uint8Array }
  | {
      type: 'group-deliver';
      groupId: Uint8Array;
      gseq: number;
      storedAtMs: number;
      item: GroupItem;
    }
  | { type: 'group-ack'; groupId: Uint8Array; throughGseq: number }
  | { type: 'group-log-request'; requestId: number; groupId: Uint8Array; fromSeq: number }
  /** Push the group's items after `afterGseq` again on this connection (RELAY_FEATURE_GROUP_RESEND). */
  | { type: 'group-resend'; groupId: Uint8Array; afterGseq: number }
  /** Before the first item sent again; code '': they follow, else why none do. */
  | {
      type: 'group-resend-result';
      groupId: Uint8Array;
      afterGseq: number;
      code: string;
      reason: string;
    }
  | {
      type: 'group-log-result';
      requestId: number;
      found: boolean;
      changes: GroupChange[];
      more: boolean;
    }
  | FileFrame;

export type {
  FileEntry,
  FileFrame,
  FileOffer,
  FileOutcome,
  FileRecipients,
} from './file-types.js';

export type GroupRole = 'admin' | 'member';
export type GroupOp = 'create' | 'add' | 'remove' | 'promote' | 'demote' | 'rename' | 'leave';

export interface GroupMember {
  userId: Uint8Array;
  role: GroupRole;
}

/**
 * One record of a group's membership log (docs/groups.md), the same shape as
 * src/crypto/group-change.ts GroupChange, so the relay and the client hand a decoded
 * change to applyChange as it is. The codec checks lengths; the signature and the
 * chain are checked by applyChange.
 */
export type GroupChange = {
  groupId: Uint8Array;
  seq: number;
  prevHash: Uint8Array;
  author: Uint8Array;
  signature: Uint8Array;
} & (
  | { op: 'create'; name: string; members: GroupMember[] }
  | { op: 'add' | 'remove' | 'promote' | 'demote' | 'leave'; target: Uint8Array }
  | { op: 'rename'; name: string }
);

/** One item of a group's stream: a membership change or a sealed group message. */
export type GroupItem =
  | { kind: 'change'; change: GroupChange }
  | { kind: 'message'; from: Uint8Array; msgId: Uint8Array; body: Uint8Array };

/** The plaintext inside a group message's secretbox. */
export interface GroupPlain {
  sentAtMs: number;
  senderName: string;
  /** Empty when the message is a file offer. */
  text: string;
  /** A file sent to the group (issue 12), or null for a text message. */
  fileOffer: FileOffer | null;
}

export type FrameType = Frame['type'];
export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;

/** Content of an end-to-end message. */
export type InnerContent =
  | { kind: 'text'; body: string }
  | { kind: 'receipt'; msgIds: Uint8Array[] }
  /** A sender chain share for one group epoch (docs/groups.md). */
  | { kind: 'sender-key'; groupId: Uint8Array; epoch: number; share: Uint8Array }
  /** A file or folder offered to the recipient (docs/files.md). */
  | { kind: 'file-offer'; offer: FileOffer }
  /** The recipient's answer to a file offer, to its sender (docs/files.md). */
  | { kind: 'file-reply'; transferId: Uint8Array; outcome: FileReplyOutcome }
  /** The sender cancelled a file it offered, to each recipient (docs/files.md). */
  | { kind: 'file-cancel'; transferId: Uint8Array };

/** What a recipient tells an offer's sender: never 'cancelled' (the uploader's own). */
export type FileReplyOutcome = Exclude<FileOutcome, 'cancelled'>;

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
