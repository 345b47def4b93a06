/**
 * The codes of the group cryptography (DESIGN.md §6, issue 11): the membership hash chain
 * (group-log.ts) and sender keys (sender-keys.ts). Their own union beside errors.ts's
 * CryptoCode because the relay and the client both turn them into user-visible refusals
 * ("a membership change that is not properly signed and chained"), and tests branch on them.
 */
import { errorFactory } from '../util/errors.js';

export const GroupCode = {
  /** A change or a message whose signature does not verify (absent, forged, wrong key). */
  BadSignature: 'E_GROUP_BAD_SIGNATURE',
  /** A change that only an admin may sign, signed by a member or an outsider. */
  NotAdmin: 'E_GROUP_NOT_ADMIN',
  /** seq is not head + 1 or prevHash is not the head's hash: out of order, a fork, or no create. */
  ChainBroken: 'E_GROUP_CHAIN_BROKEN',
  /** Well signed and chained, but malformed or not allowed in this state. */
  BadChange: 'E_GROUP_BAD_CHANGE',
  /** The change would take the only admin out while other members remain. */
  LastAdmin: 'E_GROUP_LAST_ADMIN',
  TooManyMembers: 'E_GROUP_TOO_MANY_MEMBERS',
  /** A group message whose bytes do not parse (length, version). */
  BadMessage: 'E_GROUP_BAD_MESSAGE',
  /** A message whose header names another group, epoch or sender than expected. */
  WrongGroup: 'E_GROUP_WRONG_GROUP',
  WrongEpoch: 'E_GROUP_WRONG_EPOCH',
  WrongSender: 'E_GROUP_WRONG_SENDER',
  /** A chain index whose key was already used (and deleted). */
  Replay: 'E_GROUP_REPLAY',
  /**
   * A chain index before the share our chain started from: sealed before its sender shared the
   * chain with us (an add keeps the epoch, docs/groups.md), so never meant for us.
   */
  BeforeShare: 'E_GROUP_BEFORE_SHARE',
  /** A chain index after the share we started from whose skipped key was evicted. */
  KeyUnavailable: 'E_GROUP_KEY_UNAVAILABLE',
  /** A chain index more than MAX_SKIPPED_GROUP_KEYS ahead of the next expected one. */
  TooFarAhead: 'E_GROUP_TOO_FAR_AHEAD',
  /** Signed by the chain's key but the box does not open: the sender and we disagree on keys. */
  Undecryptable: 'E_GROUP_UNDECRYPTABLE',
  /** A sender chain at MAX_GROUP_CHAIN_INDEX: it must be rotated. */
  ChainExhausted: 'E_GROUP_CHAIN_EXHAUSTED',
  /** Persisted chain state or a chain share that does not decode. */
  BadState: 'E_GROUP_BAD_STATE',
} as const;

export type GroupCodeValue = (typeof GroupCode)[keyof typeof GroupCode];

/** An error of the group cryptography with its stable code. */
export const groupError = errorFactory<GroupCodeValue>();
