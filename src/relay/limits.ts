/**
 * Relay-side limits (wire limits live in src/wire/limits.ts). Each has its unit
 * in its name and a reason; tests exceed each one. `RelayLimits` lets tests and
 * operators lower them; the defaults are what `natter relay` runs with.
 */
import { MAX_FILE_BYTES } from '../wire/limits.js';
import { DEFAULT_RELAY_PORT, FILE_QUOTA_BYTES } from './defaults.js';
import { DEFAULT_FAIR_SHARE_LIMITS, type FairShareLimits } from './fair-limits.js';

export { DEFAULT_RELAY_PORT, FILE_QUOTA_BYTES };

/** With the fair shares of one address or sender (fair-limits.ts). */
export interface RelayLimits extends FairShareLimits {
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
  /**
   * Deliveries pushed to a session and not yet acknowledged, and their bytes; beyond
   * either the relay stops pushing until an ack (delivery-window.ts), so a client
   * coming back to 20,000 waiting messages holds a window of them, not all of them.
   * 4,096 in flight is over 300,000 messages a second at a 10 ms ack round trip.
   */
  maxUnackedDeliveries: number;
  maxUnackedDeliveryBytes: number;
  /**
   * Sends awaiting their ack per session; beyond it the relay stops reading the socket.
   * With its relay-wide share (maxRelayInflightSends), the relay's brake on ingest under
   * overload: 4,096 let 500 clients put two million sends in flight, past the hold
   * (docs/decisions.md, "Offered more than it can take"); with 256, 500 clients offered
   * 100,000 msgs/s got them all delivered as offered. Past the relay's capacity it still
   * takes in more than it delivers.
   */
  maxInflightSendsPerSession: number;
  /**
   * Sends in flight relay-wide: the sessions with any share it equally, each between
   * MIN_INFLIGHT_SHARE and maxInflightSendsPerSession (inflight.ts). 32,768 gives 500
   * busy senders 65 each, 128 or fewer the full 256.
   */
  maxRelayInflightSends: number;
  /** The longest a durable SendAck waits to share a write with other frames (SEND_ACK_DELAY_MS). */
  sendAckDelayMs: number;
  /** How long a mail put may wait for the recipient's ack instead of a write (HOLD_FOR_ACK_MS; 0: never). */
  holdForAckMs: number;
  /** Mail puts held for an ack at once, and their bytes (MAX_HELD_PUTS, MAX_HELD_BYTES); past either, puts are written at once. */
  maxHeldPuts: number;
  maxHeldBytes: number;
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
  /** GroupResends one session may ask (MAX_GROUP_RESENDS_PER_SESSION). */
  maxGroupResendsPerSession: number;
  /** Stored file bytes per uploader (FILE_QUOTA_BYTES); `natter relay --file-quota`. */
  fileQuotaBytes: number;
  /** Stored transfers per uploader (FILE_TRANSFERS_PER_UPLOADER). */
  maxFileTransfersPerUploader: number;
  /** A transfer older than this is deleted, whoever has not fetched it (FILE_TTL_MS). */
  fileTtlMs: number;
  /** How often expired transfers are swept (FILE_SWEEP_INTERVAL_MS). */
  fileSweepIntervalMs: number;
  /** What a user accepts when they never sent a FilePolicy (DEFAULT_MAX_INCOMING_FILE_BYTES). */
  defaultMaxIncomingFileBytes: number;
  /** Chunks sent to a downloader beyond the count it acked (FILE_DOWNLOAD_WINDOW_CHUNKS). */
  fileDownloadWindowChunks: number;
  /** Chunk bytes of one session waiting for disk before the relay stops reading it (FILE_UPLOAD_PENDING_BYTES). */
  fileUploadPendingBytes: number;
  /** Chunks read from a blob in one positional read for a download (FILE_READ_BATCH_CHUNKS). */
  fileReadBatchChunks: number;
  /** Output a session may hold before its downloads wait for it to drain (FILE_SEND_BUFFERED_BYTES). */
  fileSendBufferedBytes: number;
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

/**
 * GroupResends one session may ask; past it each is refused with E_GROUP_RESEND_LIMIT. A
 * client asks once a group stopped at its held bound (64 MiB waiting for a sender's key,
 * peer/groups/held.ts) and those messages opened, so 64 are 4 GiB of held messages in one
 * session. Each makes the relay read the group's items again, as a reconnect would.
 */
export const MAX_GROUP_RESENDS_PER_SESSION = 64;

/**
 * A `stored` SendAck leaves with the next frame for its connection, or after this: a
 * client sending and receiving tens of messages a second gets most acks in the same
 * write (one TLS record, one wake-up) as a delivery or another ack, where each used to
 * cost a write of its own (issue 14: writes were the largest cost left on the relay's
 * main thread). 25 ms is QUIC's default ack delay, well below what a person sees on the
 * tick of a sent message, and far below any client's resend timer. Refusals never wait,
 * and nothing waits while the relay is mostly idle (util/delayed-flush.ts).
 */
export const SEND_ACK_DELAY_MS = 25;

/**
 * The put of a mail pushed early to its recipient waits this long for the recipient's
 * DeliverAck before it is written; an ack within it means the mail is never written,
 * synced or deleted, and the sender hears `delivered` (held-puts.ts; issue 14). natter's
 * client acks right after its own synced history write, a few milliseconds after the
 * push at light load, tens of milliseconds at 60,000 msgs/s, and 200-400 ms at
 * saturation with 500 clients (each with 32 messages in flight, all of them queued in the
 * relay). Holding is bistable: once a burst pushes the acks past the hold, writes (a
 * cluster: JetStream publishes) slow the relay, which pushes the acks further out, and
 * it stays there. At 100 ms two cluster relays stuck at 11,742 deliveries/s at 96 µs
 * each, against 41,522 at 37 µs with 200 ms; at 250 ms, 500 clients at saturation stuck
 * at 47,000-52,000 deliveries/s at 26-29 µs, against 72,700-78,900 at 14.8-16.0 µs with
 * 500, 1,000 and 2,000 ms (docs/decisions.md, "Held long enough"). It is also the most a
 * sender's `stored` ack is delayed when the recipient does not ack in time; while most
 * acks come later than this, the relay holds only one put in 16 (HeldPuts.admit).
 */
export const HOLD_FOR_ACK_MS = 1000;

/**
 * Puts held for an ack at once, and the bytes their values keep alive: at 60,000 msgs/s
 * about 2,200 are held (35 ms each), 1.3 MiB of chat messages; 500 clients at saturation
 * hold up to 16,000 (about 7 MiB). Past either cap, puts are written at once. Their mail
 * also counts in the recipient's quota, as any mail.
 */
export const MAX_HELD_PUTS = 65_536;
export const MAX_HELD_BYTES = 32 * 1024 * 1024;

/**
 * Stored transfers per uploader, whatever their size: empty files cost nothing against
 * the byte quota but a record, a blob and a place in every sweep each (E_FILE_QUOTA).
 */
export const FILE_TRANSFERS_PER_UPLOADER = 1000;
/**
 * A transfer nobody finished is deleted after this: a week covers a recipient away for
 * a long weekend or on a short holiday, and bounds what an abandoned upload holds.
 */
export const FILE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Expiry is coarse (days), so a sweep every ten minutes frees space soon enough. */
export const FILE_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Without a FilePolicy a user accepts the largest file an offer may name (wire MAX_FILE_BYTES). */
export const DEFAULT_MAX_INCOMING_FILE_BYTES = MAX_FILE_BYTES;
/**
 * Chunks the relay sends a downloader ahead of its FileChunkAck: 16 x 256 KiB = 4 MiB in
 * flight covers a LAN's bandwidth-delay product many times over, and bounds what a
 * resume resends.
 */
export const FILE_DOWNLOAD_WINDOW_CHUNKS = 16;
/**
 * Chunk bytes one session may have waiting for their blob write and fsync; past it the
 * relay stops reading that connection until they are on disk, so an uploader faster than
 * the disk costs 4 MiB (16 chunks), never memory that grows with the file.
 */
export const FILE_UPLOAD_PENDING_BYTES = 4 * 1024 * 1024;
/**
 * Chunks one positional read fetches for a download: 4 x 256 KiB = 1 MiB amortises the
 * thread-pool round trip; the read also waits for room in the session's output budget.
 */
export const FILE_READ_BATCH_CHUNKS = 4;
/**
 * Output a session may hold (queued frames and blob reads in flight) before its downloads
 * wait for a drain: two 256 KiB chunks keep the socket busy while the next read runs, and
 * with the one read that may start just under it the total stays below
 * maxSessionQueuedBytes, so a download never stops the relay reading the downloader's acks.
 */
export const FILE_SEND_BUFFERED_BYTES = 512 * 1024;

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
  maxUnackedDeliveries: 4096,
  maxUnackedDeliveryBytes: 8 * 1024 * 1024,
  maxInflightSendsPerSession: 256,
  maxRelayInflightSends: 32_768,
  sendAckDelayMs: SEND_ACK_DELAY_MS,
  holdForAckMs: HOLD_FOR_ACK_MS,
  maxHeldPuts: MAX_HELD_PUTS,
  maxHeldBytes: MAX_HELD_BYTES,
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
  maxGroupResendsPerSession: MAX_GROUP_RESENDS_PER_SESSION,
  fileQuotaBytes: FILE_QUOTA_BYTES,
  maxFileTransfersPerUploader: FILE_TRANSFERS_PER_UPLOADER,
  fileTtlMs: FILE_TTL_MS,
  fileSweepIntervalMs: FILE_SWEEP_INTERVAL_MS,
  defaultMaxIncomingFileBytes: DEFAULT_MAX_INCOMING_FILE_BYTES,
  fileDownloadWindowChunks: FILE_DOWNLOAD_WINDOW_CHUNKS,
  fileUploadPendingBytes: FILE_UPLOAD_PENDING_BYTES,
  fileReadBatchChunks: FILE_READ_BATCH_CHUNKS,
  fileSendBufferedBytes: FILE_SEND_BUFFERED_BYTES,
  ...DEFAULT_FAIR_SHARE_LIMITS,
});

/** Past this multiple of the soft output budget a session is closed at once, paused or not. */
export const SLOW_CONSUMER_HARD_FACTOR = 4;
/** How long a closing session may take to read its last bytes before the socket is destroyed. */
export const CLOSE_LINGER_MS = 2_000;
