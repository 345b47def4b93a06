/**
 * Every limit on what crosses the wire, with its unit in its name and the reason
 * for its value. Each one has a test that exceeds it (test/unit/wire).
 */

/**
 * Wire protocol version spoken by this build; Hello and Challenge carry it. 2: the link
 * runs inside TLS 1.3 and Register/Login sign its channel binding; a card's signature
 * covers user id, pseudonym and box key; a status is signed by its user (all issue 10).
 * A version-1 client speaks plain TCP and gets a plaintext E_BAD_VERSION refusal
 * (src/relay/listener.ts).
 */
export const PROTOCOL_VERSION = 2;

/**
 * Challenge.features bits: what a relay serves beyond protocol 2's core. Additive, so a
 * relay and clients of different builds keep talking: a client uses a feature only when
 * the relay announced it (an unknown frame would close its session on an older relay).
 */
export const RELAY_FEATURE_FILES = 1;
/** GroupResend: a group's items pushed again on this connection (docs/groups.md). */
export const RELAY_FEATURE_GROUP_RESEND = 2;
/** Every feature this build's relay serves. */
export const RELAY_FEATURES = RELAY_FEATURE_FILES | RELAY_FEATURE_GROUP_RESEND;

/**
 * Hello.features bits: what a client understands beyond protocol 2's core, so a relay
 * sends a client only what it knows. CLIENT_FEATURE_DELIVERED_ACK: the `delivered`
 * SendAck (an unknown ack code would close an older client's session).
 * CLIENT_FEATURE_STORE_STATUS: the StoreStatus frame (an unknown frame kind would too).
 */
export const CLIENT_FEATURE_DELIVERED_ACK = 1;
export const CLIENT_FEATURE_STORE_STATUS = 2;
/** Every feature this build's client understands. */
export const CLIENT_FEATURES = CLIENT_FEATURE_DELIVERED_ACK | CLIENT_FEATURE_STORE_STATUS;

/** The protocol before the secure channel: what the relay's plaintext refusal answers. */
export const LEGACY_PROTOCOL_VERSION = 1;

/**
 * Largest frame before login. Hello/Challenge/Register/Login with a 32-character
 * pseudonym fit in under 500 bytes; anything bigger from an unauthenticated peer
 * is an attack on memory, so it is refused before a byte of it is buffered.
 */
export const MAX_PRELOGIN_FRAME_BYTES = 2 * 1024;

/**
 * Largest plaintext bytes in one file chunk: src/crypto/file-stream.ts
 * MAX_FILE_CHUNK_BYTES (a test holds them equal). 256 KiB makes a chunk's fixed costs
 * (tag, frame, fsync share, ack) vanish beside its bytes while a chunk frame stays the
 * size of the largest message frame, so files add nothing to per-connection parse memory.
 */
export const MAX_FILE_CHUNK_BYTES = 256 * 1024;
/** Smallest chunk size an offer or FilePut may name: src/crypto/file-stream.ts MIN_FILE_CHUNK_BYTES. */
export const MIN_FILE_CHUNK_BYTES = 4 * 1024;
/** Largest file (plaintext stream) an offer may announce: src/crypto/file-stream.ts MAX_FILE_BYTES. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024 * 1024;
/** A chunk on the wire: its plaintext plus the 16-byte secretbox tag. */
export const MAX_FILE_CHUNK_DATA_BYTES = MAX_FILE_CHUNK_BYTES + 16;

/**
 * Largest frame after login: one sealed message (MAX_SEALED_BYTES) plus headers, or
 * one file chunk (MAX_FILE_CHUNK_DATA_BYTES) plus its 1 KiB of framing and ids. Bounds
 * per-connection parse memory.
 */
export const MAX_FRAME_BYTES = MAX_FILE_CHUNK_DATA_BYTES + 1024;

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

/**
 * Entries in one RosterUpdate; larger rosters go in several frames. The largest entry
 * (a 32-character name and an 80-character status text of 4-byte characters, the card
 * signature, the status seq and signature) is about 680 bytes, so 256 of them stay
 * within MAX_FRAME_BYTES; 1024 such entries would not (a test holds the two together).
 */
export const MAX_ROSTER_ENTRIES = 256;

/** Error/goodbye/refusal texts: one line for a human. */
export const MAX_REASON_CHARS = 200;

/** Relay display name. */
export const MAX_RELAY_NAME_CHARS = 64;
/** Ready.reached_at: '[v6 with zone]:port' fits. */
export const MAX_REACHED_AT_CHARS = 64;

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

/** A group id: 128 random bits (DESIGN.md §6; src/crypto/group-change.ts GROUP_ID_BYTES). */
export const GROUP_ID_BYTES = 16;
/** A group change's prev_hash: SHA-256 (src/crypto/group-change.ts GROUP_HASH_BYTES). */
export const GROUP_HASH_BYTES = 32;
/** Members in a create record: src/crypto/group-change.ts MAX_GROUP_MEMBERS (a test holds them equal). */
export const MAX_GROUP_MEMBERS = 256;
/** Group name in code points: src/crypto/group-change.ts MAX_GROUP_NAME_CHARS. */
export const MAX_GROUP_NAME_CHARS = 64;
/**
 * Changes in one GroupLogResult. The largest change (a 256-member create) is about
 * 12 KiB and the others about 200 bytes, so 512 stay far under MAX_FRAME_BYTES;
 * a longer log is read in pages (GroupLogRequest.from_seq).
 */
export const MAX_GROUP_LOG_PAGE_CHANGES = 512;
/**
 * A sealed group message (src/crypto/group-message.ts layout): the same bound as a
 * 1:1 box (MAX_SEALED_BYTES) plus its 73-byte header, nonce and signature.
 */
export const MAX_GROUP_MESSAGE_BYTES = MAX_SEALED_BYTES + 256;
/** A sender chain share (src/crypto/sender-keys-codec.ts): 1 + 32 + 4 + 32 bytes. */
export const SENDER_KEY_SHARE_BYTES = 69;
/** The stable code in a GroupChangeResult (E_GROUP_...), as in Error.code. */
export const MAX_GROUP_CODE_CHARS = 64;

/** A transfer id: 128 random bits, chosen by the sender (DESIGN.md §7). */
export const TRANSFER_ID_BYTES = 16;
/** SHA-256 of a file's plaintext stream. */
export const FILE_HASH_BYTES = 32;
/** A file key (secretbox key): src/crypto/file-stream.ts FILE_KEY_BYTES. */
export const FILE_KEY_BYTES = 32;
/** A transfer's nonce prefix: src/crypto/file-stream.ts FILE_NONCE_PREFIX_BYTES. */
export const FILE_NONCE_PREFIX_BYTES = 15;
/** A file's display name in an offer, UTF-8 bytes: src/peer/files/safe-name.ts sanitises it again. */
export const MAX_FILE_NAME_BYTES = 1024;
/** A folder entry's relative path, UTF-8 bytes: src/peer/files/safe-name.ts MAX_RELATIVE_PATH_BYTES. */
export const MAX_FILE_PATH_BYTES = 1024;
/** A MIME type hint ("application/vnd.openxmlformats-officedocument..." is about 75). */
export const MAX_FILE_MIME_CHARS = 128;
/**
 * Files in one folder offer. The offer must also fit one sealed message (MAX_SEALED_BYTES),
 * which at typical path lengths allows about 2,000; a larger tree goes as an archive.
 */
export const MAX_FILE_ENTRIES = 4096;
/**
 * Recipients named in one FilePut: a group's members (MAX_GROUP_MEMBERS) is the most a
 * user can address at once; more would let one put fan a blob out to everyone.
 */
export const MAX_FILE_RECIPIENTS = MAX_GROUP_MEMBERS;
/** The stable code in a FilePutResult or FileGetResult (E_FILE_...). */
export const MAX_FILE_CODE_CHARS = 64;
