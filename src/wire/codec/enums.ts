/**
 * The wire's enum tables: index = wire number, value = domain name. The order is
 * frozen with proto/natter.proto (STYLE.md §11); a unit test holds each table to the
 * generated enum. Decoders look values up with check.enumValue, which rejects
 * numbers the table does not hold.
 */
import { type AckCode, type PresenceKind, STATUSES, type Status } from '../types.js';

/** natter.Status: the one status list (types.ts), whose order is the wire's. */
export const STATUS_TABLE: readonly Status[] = STATUSES;

/** natter.AckCode */
export const ACK_TABLE: readonly AckCode[] = [
  'stored',
  'unknown-recipient',
  'recipient-quota',
  'sender-quota',
  'disk-full',
  'too-large',
  'internal',
  'stale-epoch',
  'delivered',
];

/** natter.PresenceKind */
export const PRESENCE_TABLE: readonly PresenceKind[] = [
  'heartbeat',
  'hello',
  'query',
  'bye',
  'relay',
];

export const statusNumber = (s: Status): number => STATUS_TABLE.indexOf(s);
