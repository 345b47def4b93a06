/**
 * Every presence limit, with its unit in its name and the reason for its value
 * (DESIGN.md §5 and §8). The datagram size limit itself is MAX_DATAGRAM_BYTES in
 * src/wire/limits.ts, because the codec enforces it too.
 */

/**
 * UDP port for heartbeats and relay beacons. One above the relay's TCP port
 * (47474), so a firewall rule for natter is one small range.
 */
export const DEFAULT_PRESENCE_PORT = 47475;

/**
 * Time between heartbeats. 2 s keeps LAN traffic negligible (a 400-byte
 * datagram per peer) while a crashed peer disappears within seconds.
 */
export const HEARTBEAT_INTERVAL_MS = 2000;

/**
 * Heartbeats a peer may miss before it is listed as gone. One lost datagram on a
 * busy Wi-Fi must not make a peer flicker; three in a row means it is gone.
 */
export const MISSED_HEARTBEATS_BEFORE_EXPIRY = 3;

/**
 * How far a datagram's timestamp may be from our clock, either way. Wide enough
 * for unsynchronised LAN machines, narrow enough that a captured datagram cannot
 * be replayed after the dedup cache has forgotten it (the roster's seq check
 * covers replays of keys it still remembers).
 */
export const TIMESTAMP_WINDOW_MS = 5 * 60_000;

/**
 * Sustained datagrams per second accepted from one source address+port. A peer
 * sends one heartbeat per interval plus a few replies; 20/s is ten times the
 * worst honest rate, and it caps what one flooder costs us in signature checks.
 */
export const SOURCE_RATE_PER_SECOND = 20;

/** Burst allowed from one source: a restart (HELLO, QUERY, replies) fits easily. */
export const SOURCE_BURST_DATAGRAMS = 40;

/**
 * Sources whose rate buckets are kept. Least recently seen sources are forgotten
 * first, so spoofed addresses cost memory bounded by this, not by the attacker.
 */
export const MAX_TRACKED_SOURCES = 4096;

/**
 * Recently accepted (source address, datagram body) pairs remembered to drop
 * duplicates. Each send goes to several targets, so one host may receive the same
 * body two or three times; 4096 covers many seconds of a busy LAN at about 60
 * bytes an entry.
 */
export const DEDUP_CACHE_ENTRIES = 4096;

/**
 * Replies (unicast answers to HELLO/QUERY) sent per second in total, and their
 * burst. 50 clients starting together each need one answer; the cap bounds how
 * much a spoofed-source QUERY flood can make us send to a victim.
 */
export const REPLY_RATE_PER_SECOND = 50;
export const REPLY_BURST = 100;

/**
 * Minimum gap between two replies to the same address+port. A newcomer's HELLO
 * and QUERY arrive together; one answer serves both.
 */
export const REPLY_MIN_GAP_MS = 250;

/** Peers listed at once. Bounds memory under a flood of validly signed fresh keys. */
export const MAX_ROSTER_ITEMS = 1024;

/**
 * Keys whose last sequence number and first-seen pseudonym pin are remembered,
 * including peers that have left, so a replayed old heartbeat cannot bring a
 * departed peer back. Entries of listed peers are never evicted.
 */
export const MAX_REMEMBERED_KEYS = 4096;

/** Impostors (pin conflicts) tracked, so each is reported once, not every heartbeat. */
export const MAX_TRACKED_CONFLICTS = 256;

/** Relays tracked from their beacons; a LAN has one or two. */
export const MAX_TRACKED_RELAYS = 16;

/**
 * Source addresses remembered per relay id (issue 10). A relay's beacons come
 * from one address, or one per interface; the others are replays, kept as
 * candidates for the link to refuse. Past this the stalest is forgotten, so
 * replays from spoofed sources cannot push the relay's own address out: it is
 * the first to deliver each new sequence number.
 */
export const MAX_ADDRESSES_PER_RELAY = 8;

/** Recent anonymous QUERY nonces of our own, to ignore them when they loop back. */
export const OWN_QUERY_NONCES = 8;

/**
 * How often a relay names another relay whose beacons it hears (one line per other
 * relay and hour): two relays on one LAN make new clients refuse to choose
 * (E_SEVERAL_RELAYS), so the operator must hear of it, but a beacon every 2 s must
 * not become a log line every 2 s.
 */
export const OTHER_RELAY_WARN_INTERVAL_MS = 60 * 60_000;

/**
 * Other relays a relay remembers having named. A LAN has one or two; a storm of
 * validly signed beacons with fresh keys costs memory bounded by this, and past it
 * one line a hour says that more were heard than are named.
 */
export const MAX_OTHER_RELAYS_NAMED = 64;

/**
 * Sequence numbers of the relay's own recent beacons, to tell its own beacon looping back
 * from a twin's (a copy of its data dir, so its key, running elsewhere: E_RELAY_TWIN).
 * An echo comes back within milliseconds; 1024 beacons are minutes of ticks and replies
 * at the reply rate's burst, and 8 bytes each.
 */
export const OWN_BEACON_SEQS = 1024;
