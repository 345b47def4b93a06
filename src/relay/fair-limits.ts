/**
 * The relay's fair shares (seventeenth sitting, docs/decisions.md): how much of what
 * everyone shares one remote address or one sender may take, so one hostile host or
 * client cannot take what the others need. Part of RelayLimits (limits.ts); each has
 * its unit in its name, a reason, and a test that exceeds it
 * (test/integration/relay/fair-shares.test.ts).
 */
import { MAX_USERS } from './defaults.js';

export { MAX_USERS };

export interface FairShareLimits {
  /** Groups of one user that one other user may have put them in (MAX_GROUPS_ADDED_BY_ONE). */
  maxGroupsAddedByOne: number;
  /**
   * Connections from one remote address not yet logged in (TCP accepted, TLS or
   * Hello..Login under way); beyond it the relay refuses with E_RELAY_FULL. A silent
   * socket holds a slot for handshakeTimeoutMs, so without it one host held all
   * maxConnections (QA trial, finding 1).
   */
  maxPreloginPerAddress: number;
  /** Connections from one remote address in all, logged in or not (E_RELAY_FULL beyond it). */
  maxConnectionsPerAddress: number;
  /** Registrations of new users one remote address may make at once, then... */
  registrationBurst: number;
  /** ...this many a minute (E_TOO_MANY_REGISTRATIONS beyond it). */
  registrationsPerMinute: number;
  /** Registered users in all; a registration of a new user beyond it: E_RELAY_USERS_FULL. */
  maxUsers: number;
  /**
   * The part of one recipient's mailbox (maxMailboxMessages, maxMailboxBytes) one
   * sender may fill; beyond it that sender is refused (ACK_SENDER_QUOTA) and the others
   * still get in.
   */
  maxMailboxMessagesPerSender: number;
  maxMailboxBytesPerSender: number;
}

/**
 * A LAN host may be shared (a terminal server, a NAT in front of a lab) by tens of
 * people with a few terminals each, and all of them reconnect at once after a relay
 * restart: 128 handshakes at once from one address still leave 9,872 of the 10,000
 * slots to the others. A TLS handshake and Login take milliseconds on a LAN.
 */
export const MAX_PRELOGIN_PER_ADDRESS = 128;
/** 100 people on one shared host with 5 sessions each; 20 such hosts to fill the relay. */
export const MAX_CONNECTIONS_PER_ADDRESS = 512;
/**
 * A shared host's whole group registering on their first day gets 20 at once, the
 * rest within minutes (the client dials again); one hostile host makes 2 a minute,
 * 2,880 a day instead of 3,000 in a minute (QA trial, finding 2).
 */
export const REGISTRATION_BURST = 20;
export const REGISTRATIONS_PER_MINUTE = 2;
/**
 * Half of a recipient's mailbox (200,000 messages, 512 MiB): one sender still queues
 * 3,000 messages a day for a month of absence, and cannot by itself make the mailbox
 * refuse everyone else (a flood filled 512 MiB in 12 s: QA trial, finding 2).
 */
export const MAX_MAILBOX_MESSAGES_PER_SENDER = 100_000;
export const MAX_MAILBOX_BYTES_PER_SENDER = 256 * 1024 * 1024;

/**
 * Groups of one user that one other user may have put them in (a create or add by
 * them; groups the user created do not count): beyond it, E_GROUP_TOO_MANY_FROM_ONE
 * to the adder. Nobody is asked before being added, so without it one peer could fill
 * another's MAX_GROUPS_PER_USER and keep everyone else from adding them (a QA trial
 * did, with 494 groups). 20 is more groups than people share with one colleague;
 * leaving one of them makes room again.
 */
export const MAX_GROUPS_ADDED_BY_ONE = 20;
export const DEFAULT_FAIR_SHARE_LIMITS: Readonly<FairShareLimits> = Object.freeze({
  maxGroupsAddedByOne: MAX_GROUPS_ADDED_BY_ONE,
  maxPreloginPerAddress: MAX_PRELOGIN_PER_ADDRESS,
  maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS,
  registrationBurst: REGISTRATION_BURST,
  registrationsPerMinute: REGISTRATIONS_PER_MINUTE,
  maxUsers: MAX_USERS,
  maxMailboxMessagesPerSender: MAX_MAILBOX_MESSAGES_PER_SENDER,
  maxMailboxBytesPerSender: MAX_MAILBOX_BYTES_PER_SENDER,
});

/**
 * For tests and benchmarks, whose clients all come from 127.0.0.1: that one address is
 * everyone, so its shares are the whole relay's (maxConnections still holds, and each
 * sender's share of a mailbox stays). Never a default: tests of the shares set their own.
 */
export const ONE_HOST_FAIR_SHARES: Readonly<Partial<FairShareLimits>> = Object.freeze({
  maxPreloginPerAddress: Number.MAX_SAFE_INTEGER,
  maxConnectionsPerAddress: Number.MAX_SAFE_INTEGER,
  registrationBurst: Number.MAX_SAFE_INTEGER,
  registrationsPerMinute: Number.MAX_SAFE_INTEGER,
});
