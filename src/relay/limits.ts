/**
 * Relay-side limits (wire limits live in src/wire/limits.ts). Each has its unit
 * in its name and a reason; tests exceed each one. `RelayLimits` lets tests and
 * operators lower them; the defaults are what `natter relay` runs with.
 */

export interface RelayLimits {
  /** Stored messages waiting for one recipient. The drain benchmark queues 100,000. */
  maxMailboxMessages: number;
  /** Stored bytes waiting for one recipient: keeps one absent user from filling the disk. */
  maxMailboxBytes: number;
  /** Messages one sender may have waiting across all mailboxes: bounds a spammer. */
  maxPendingPerSender: number;
  /** Mail older than this is dropped: 30 days covers holidays, not abandonment. */
  mailTtlMs: number;
  /** How often expired mail is swept. */
  ttlSweepIntervalMs: number;
  /**
   * Below this much free disk (read before every batch) the relay refuses new
   * mail (ACK_DISK_FULL) and registrations: LevelDB needs room to compact, and
   * a write that meets a full disk stops all writes until the store is reopened.
   */
  minFreeDiskBytes: number;
  /** A connection must finish Hello..Login within this or it is closed. */
  handshakeTimeoutMs: number;
  /** A ready session that sends nothing for this long is closed (clients ping every 30 s). */
  idleTimeoutMs: number;
  /**
   * Unsent bytes allowed to queue for one session before the relay stops pushing
   * mail to it; the mail waits in LevelDB. 500 clients x 256 KiB = 128 MiB worst case.
   */
  maxSessionBufferedBytes: number;
  /** Sends awaiting their durable ack per session; beyond it the relay stops reading the socket. */
  maxInflightSendsPerSession: number;
  /**
   * Output queued for a ready session (replies, roster, pushes) beyond which the
   * relay stops reading it; 4x this closes it at once (E_SLOW_CONSUMER). Above
   * the push cap (maxSessionBufferedBytes) so replies still fit while mail waits.
   */
  maxSessionQueuedBytes: number;
  /** The same before login, where a client has no business queueing more than a challenge. */
  maxPreloginQueuedBytes: number;
  /**
   * Frames before login: a handshake takes 2-3, so a small burst and a slow refill;
   * beyond it the connection is not read (and the handshake deadline ends it).
   */
  handshakeFramesBurst: number;
  handshakeFramesPerSecond: number;
  /**
   * Lookups, pings and status changes after login: a client starting with a
   * few hundred contacts looks them all up at once; nothing needs more than a
   * few a second after that. Beyond it the session is not read until a token is due.
   */
  requestBurst: number;
  requestsPerSecond: number;
  /** A session that stays over its output budget this long is closed (E_SLOW_CONSUMER). */
  slowConsumerTimeoutMs: number;
  /**
   * A frame that has started arriving must be complete within this (E_FRAME_TIMEOUT):
   * 256 KiB takes milliseconds on a LAN and 2 s at 1 Mbit/s; a trickle holds a buffer.
   */
  partialFrameTimeoutMs: number;
  /**
   * All bytes held for all connections together; beyond it the largest holder is
   * closed (E_RELAY_OVERLOADED). 500 busy clients at the push cap hold 128 MiB.
   */
  maxRelayBufferedBytes: number;
  /** Concurrent sessions of one user (several devices or terminals). */
  maxSessionsPerUser: number;
  /** Open connections in all; refuses beyond it so file descriptors last. */
  maxConnections: number;
  /** Mails read from LevelDB per catch-up step for a session that fell behind. */
  catchUpBatchMessages: number;
  /** Groups one user may be a member of (MAX_GROUPS_PER_USER). */
  maxGroupsPerUser: number;
  /** Items one group may hold that some member has not acknowledged (MAX_PENDING_GROUP_MESSAGES). */
  maxPendingGroupMessages: number;
  /** Bytes of those items (MAX_PENDING_GROUP_BYTES). */
  maxPendingGroupBytes: number;
}

/**
 * Groups per user. People belong to tens of groups; each membership costs the
 * relay a cursor and an index entry and each login a catch-up check per group,
 * so 500 leaves a lot of room and still bounds what one user can make the relay
 * track (a create or add beyond it: E_GROUP_TOO_MANY_GROUPS). Members per group
 * are bounded by src/crypto's MAX_GROUP_MEMBERS (256).
 */
export const MAX_GROUPS_PER_USER = 500;
/**
 * Items a group holds that some member has not acknowledged; a message beyond it
 * is refused with ACK_RECIPIENT_QUOTA (the sender retries). Stored once per group,
 * not per member: one member away for a month from a group that posts a few
 * thousand messages a day stays under it; the cure for a member gone for good is
 * to remove them (changes are never refused for this quota).
 */
export const MAX_PENDING_GROUP_MESSAGES = 100_000;
/** The same in bytes: one group cannot fill the disk (the mailbox's per-recipient bound). */
export const MAX_PENDING_GROUP_BYTES = 512 * 1024 * 1024;

export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxMailboxMessages: 200_000,
  maxMailboxBytes: 512 * 1024 * 1024,
  maxPendingPerSender: 200_000,
  mailTtlMs: 30 * 24 * 60 * 60 * 1000,
  ttlSweepIntervalMs: 60 * 60 * 1000,
  minFreeDiskBytes: 256 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  maxSessionBufferedBytes: 256 * 1024,
  maxInflightSendsPerSession: 4096,
  maxSessionQueuedBytes: 1024 * 1024,
  maxPreloginQueuedBytes: 64 * 1024,
  handshakeFramesBurst: 16,
  handshakeFramesPerSecond: 2,
  requestBurst: 1000,
  requestsPerSecond: 200,
  slowConsumerTimeoutMs: 30_000,
  partialFrameTimeoutMs: 15_000,
  maxRelayBufferedBytes: 192 * 1024 * 1024,
  maxSessionsPerUser: 8,
  maxConnections: 10_000,
  catchUpBatchMessages: 512,
  maxGroupsPerUser: MAX_GROUPS_PER_USER,
  maxPendingGroupMessages: MAX_PENDING_GROUP_MESSAGES,
  maxPendingGroupBytes: MAX_PENDING_GROUP_BYTES,
});

/** The relay's TCP port unless configured: one above natter's presence UDP port's neighbour. */
export const DEFAULT_RELAY_PORT = 47474;
