/**
 * What the UI and the CLI see of file transfers (issue 12, docs/files.md): the records
 * the facade hands out and the payloads of its 'file:*' and 'transfer:*' events. All
 * text in them that a peer chose (names, paths) is already sanitised for a terminal.
 */
import type { ConversationId } from '../conversations/ids.js';

/** Where a file goes: a person (pseudonym) or a group (name, '#name' or id prefix). */
export type FileTarget = { to: string } | { group: string };

export type OfferState = 'offered' | 'accepted' | 'declined' | 'received' | 'failed';

/** An incoming offer, as `natter files` lists it. */
export interface OfferInfo {
  /** The transfer id in hex (32 digits); users type a unique prefix (TRANSFER_REF_MIN_DIGITS). */
  id: string;
  /** The first 8 hex digits: what lists show. */
  shortId: string;
  conversation: ConversationId;
  /** The sender's pseudonym. */
  from: string;
  /** The group's name when sent to a group, else null. */
  group: string | null;
  /** Display name (sanitised), the folder's name for a folder. */
  name: string;
  size: number;
  /** Files in a folder offer (or in several paths sent at once); 0 for a single file. */
  files: number;
  /**
   * Several paths sent at once (FileOffer.several), each saved on its own: `name` lists
   * them (`a.pdf, b.txt and c.png`, sanitised, at most a few named), not a folder.
   */
  several?: true;
  mime: string;
  /** When it arrived here. */
  offeredAtMs: number;
  /**
   * When it was offered: the sender's time (its clock), never later than offeredAtMs. Lists
   * put offers in this order, oldest first (the chat's newest first).
   */
  sentAtMs: number;
  state: OfferState;
  /** Where it was saved, once received. */
  savedAs: string | null;
  /**
   * Several paths sent at once: the names each item got in `savedAs` (the download folder),
   * `report (1).pdf` beside a report.pdf there already, a folder with a trailing `/`.
   */
  savedItems?: string[];
  /** Why it failed (state 'failed'): a code and words for a person. */
  error: { code: string; message: string } | null;
}

export type TransferDirection = 'upload' | 'download';

export type TransferState =
  /** Waiting for the relay (offline) or for the user to accept. */
  'waiting' | 'running' | 'done' | 'failed' | 'cancelled';

/** A transfer in progress or just finished, as `natter transfers` lists it. */
export interface TransferInfo {
  id: string;
  shortId: string;
  direction: TransferDirection;
  /** Display name of the file or folder, or of several paths sent at once (OfferInfo's). */
  name: string;
  /** Several paths sent at once (OfferInfo's). */
  several?: true;
  /** Files in a folder or in several paths sent at once (OfferInfo's); absent for one file. */
  files?: number;
  /** The other side: '@bob' or '#team'. */
  peer: string;
  /** A download's sender (display name, sanitised), a group's too; null for an upload. */
  from: string | null;
  size: number;
  /** Plaintext bytes durable at the other end (upload: relay acked; download: written). */
  doneBytes: number;
  /** Bytes per second over the last few seconds; 0 when idle. */
  rateBytesPerSec: number;
  /** Milliseconds left at that rate, or null when unknown. */
  etaMs: number | null;
  state: TransferState;
  /**
   * A running download that has all the relay holds, not the whole file, and no chunk came
   * for a while (SENDER_QUIET_MS): the sender's upload has not begun, is behind, or stopped.
   */
  waitingForSender: boolean;
  /** Upload: every chunk is on the relay. Download: the saved path. */
  savedAs: string | null;
  /** A download of several paths sent at once: each item's name in `savedAs` (OfferInfo's). */
  savedItems?: string[];
  error: { code: string; message: string } | null;
  /** An upload: what its recipients answered so far, oldest first (names sanitised). */
  replies: TransferReply[];
  /**
   * An upload to a group: the members left out of it, over the size they accept (names
   * sanitised); they will not get it. Absent when nobody was.
   */
  leftOut?: string[];
}

/** A recipient's answer to an upload: they have it all, or will not take it. */
export interface TransferReply {
  name: string;
  outcome: 'received' | 'declined';
}

/** A recipient answered one of my uploads ('file:reply'). */
export interface FileReplyInfo {
  /** The upload after the answer (its `replies` include it). */
  transfer: TransferInfo;
  /** Where the offer was made: the person's conversation, or the group's. */
  conversation: ConversationId;
  reply: TransferReply;
}

/** Payloads of the file events, keyed by event name (merged into ClientEvents). */
export interface FileEvents {
  /** A new offer arrived (after auto-accept decided; state says which). */
  'file:offer': OfferInfo;
  /** A download finished and was verified and saved (savedAs set). */
  'file:received': OfferInfo;
  /** Progress, at most a few times a second per transfer. */
  'transfer:progress': TransferInfo;
  /** A transfer reached done, failed or cancelled. */
  'transfer:finished': TransferInfo;
  /** A recipient of an upload of mine received or declined it. */
  'file:reply': FileReplyInfo;
}

/** Unique hex prefix a user must type to name a transfer. */
export const TRANSFER_REF_MIN_DIGITS = 4;
