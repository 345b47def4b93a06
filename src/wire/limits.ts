/**
 * Every limit on what crosses the wire, with its unit in its name and the reason
 * for its value. Each one has a test that exceeds it (test/unit/wire).
 */

/**
 * Wire protocol version spoken by this build; Hello and Challenge carry it. 2: the link
 * runs inside TLS 1.3 and Register/Login sign its channel binding (issue 10). A version-1
 * client speaks plain TCP and gets a plaintext E_BAD_VERSION refusal (src/relay/listener.ts).
 */
export const PROTOCOL_VERSION = 2;

/** The protocol before the secure channel: what the relay's plaintext refusal answers. */
export const LEGACY_PROTOCOL_VERSION = 1;

/**
 * Largest frame before login. Hello/Challenge/Register/Login with a 32-character
 * pseudonym fit in under 500 bytes; anything bigger from an unauthenticated peer
 * is an attack on memory, so it is refused before a byte of it is buffered.
 */
export const MAX_PRELOGIN_FRAME_BYTES = 2 * 1024;

/**
 * Largest frame after login: one sealed message (MAX_SEALED_BYTES) plus headers,
 * or a file chunk later. Bounds per-connection parse memory.
 */
export const MAX_FRAME_BYTES = 256 * 1024;

/** Largest text message body, UTF-8 encoded: a long paste, not a file. */
export const MAX_TEXT_BYTES = 64 * 1024;

/** Largest sealed payload (nonce excluded): a full text message plus envelope. */
export const MAX_SEALED_BYTES = 96 * 1024;

/** Pseudonyms: 1-32 Unicode code points (DESIGN.md §2). */
export const MAX_PSEUDONYM_CHARS = 32;

/** Status texts ("in a meeting until 3"): one short line. */
export const MAX_STATUS_TEXT_CHARS = 80;

/** Seqs acknowledged by one DeliverAck; a client acks in batches. */
export const MAX_ACK_SEQS = 1024;

/** Msg ids in one end-to-end receipt. */
export const MAX_RECEIPT_IDS = 256;

/** Entries in one RosterUpdate; larger rosters go in several frames. */
export const MAX_ROSTER_ENTRIES = 1024;

/** Error/goodbye/refusal texts: one line for a human. */
export const MAX_REASON_CHARS = 200;

/** Relay display name. */
export const MAX_RELAY_NAME_CHARS = 64;

/**
 * Largest presence datagram: stays under a 1280-byte IPv6 minimum MTU, so it is
 * never fragmented; a heartbeat with full card and status text is about 400 bytes.
 */
export const MAX_DATAGRAM_BYTES = 1200;

/** Byte sizes fixed by the primitives (NaCl, Ed25519). */
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const NONCE_BYTES = 24;
export const BOX_OVERHEAD_BYTES = 16;
export const MSG_ID_BYTES = 16;
export const CHALLENGE_BYTES = 32;
export const QUERY_NONCE_BYTES = 16;
