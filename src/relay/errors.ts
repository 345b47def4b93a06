/**
 * Every code the relay puts in an Error frame (before it closes that
 * connection), as one union with the codec's ProtocolCode, and the codes of its
 * own operational failures (thrown and logged, never sent). docs/protocol.md
 * lists the sent ones; a test holds the two to each other.
 */
import { GroupCode } from '../crypto/group-errors.js';
import { NatterError } from '../util/errors.js';
import { ProtocolCode, type ProtocolCodeValue } from '../wire/errors.js';
import { FileCode, type FileCodeValue } from './files/codes.js';

/** Codes of the session and its handlers, in Error frames. */
export const SessionCode = {
  /** Hello..Login not finished within handshakeTimeoutMs. */
  HandshakeTimeout: 'E_HANDSHAKE_TIMEOUT',
  /** A ready session sent nothing for idleTimeoutMs. */
  IdleTimeout: 'E_IDLE_TIMEOUT',
  /** A frame that started arriving was not complete within partialFrameTimeoutMs. */
  FrameTimeout: 'E_FRAME_TIMEOUT',
  /** The client did not read what it asked for (output over its budget). */
  SlowConsumer: 'E_SLOW_CONSUMER',
  /** The relay-wide byte budget closed this, the largest holder. */
  RelayOverloaded: 'E_RELAY_OVERLOADED',
  PseudonymTaken: 'E_PSEUDONYM_TAKEN',
  /** This identity already has a registration in flight. */
  RegistrationBusy: 'E_REGISTRATION_BUSY',
  UnknownUser: 'E_UNKNOWN_USER',
  AuthFailed: 'E_AUTH_FAILED',
  BadKey: 'E_BAD_KEY',
  /** A SetStatus whose signature does not verify for the session's user, or whose seq went back. */
  BadStatus: 'E_BAD_STATUS',
  TooManySessions: 'E_TOO_MANY_SESSIONS',
  /** A registration refused because the disk is below the watermark. */
  DiskFull: 'E_DISK_FULL',
  /** A registration, or a catch-up of a client that cannot be told StoreStatus, the store could not serve. */
  Internal: 'E_INTERNAL',
  /**
   * In StoreStatus (the session stays): the relay cannot reach its mail store
   * (store-reach.ts), or cannot read a session's stored mail (delivery.ts), so what waits
   * is unknown and arrives once it is back. In Error, for a Register (or a Login with a
   * new card) while it cannot: refused at once (handlers/auth.ts).
   */
  StoreUnavailable: 'E_STORE_UNAVAILABLE',
  /**
   * Before the Hello, then closed: the relay has no room for this connection (maxConnections,
   * or this address's share: maxConnectionsPerAddress, maxPreloginPerAddress). Try later.
   */
  RelayFull: 'E_RELAY_FULL',
  /** A Register of a new user beyond this address's rate (registrationBurst, registrationsPerMinute). */
  TooManyRegistrations: 'E_TOO_MANY_REGISTRATIONS',
  /** A Register of a new user while the relay holds maxUsers. */
  UsersFull: 'E_RELAY_USERS_FULL',
  /** The relay is stopping (sent as the Goodbye reason). */
  Shutdown: 'E_SHUTDOWN',
} as const;

export type SessionCodeValue = (typeof SessionCode)[keyof typeof SessionCode];

/**
 * The relay's own codes in GroupChangeResult.code (docs/groups.md): the change
 * is refused and the connection stays open.
 */
export const GroupResultCode = {
  /** A change other than create for a group this relay does not hold. */
  Unknown: 'E_GROUP_UNKNOWN',
  /** A change sent by a user who is not a member of the group. */
  NotMember: 'E_NOT_GROUP_MEMBER',
  /** The change would put a user in more than maxGroupsPerUser groups. */
  TooManyGroups: 'E_GROUP_TOO_MANY_GROUPS',
  /**
   * The change would put a user in more than maxGroupsAddedByOne groups by its author
   * (one person cannot fill another's maxGroupsPerUser).
   */
  TooManyFromOne: 'E_GROUP_TOO_MANY_FROM_ONE',
  /** The change is signed by another user than the session's (each user sends its own). */
  NotAuthor: 'E_GROUP_NOT_AUTHOR',
} as const;

/**
 * The relay's codes in GroupResendResult.code (docs/protocol.md): nothing is sent again
 * and the connection stays open.
 */
export const GroupResendCode = {
  /** No group with that id here. */
  Unknown: GroupResultCode.Unknown,
  /** The user is owed nothing of the group (never a member, or past its last item). */
  NotMember: GroupResultCode.NotMember,
  /** after_gseq is beyond the last gseq the group issued: nothing the client applied. */
  BadGseq: 'E_GROUP_BAD_GSEQ',
  /** The session asked more than maxGroupResendsPerSession times. */
  TooMany: 'E_GROUP_RESEND_LIMIT',
} as const;

export type GroupResendCodeValue = (typeof GroupResendCode)[keyof typeof GroupResendCode];

/**
 * The codes of src/crypto's applyChange that the relay forwards in
 * GroupChangeResult.code, unchanged, so client and relay name a refusal alike.
 */
export const GROUP_CHANGE_CODES = [
  GroupCode.BadSignature,
  GroupCode.NotAdmin,
  GroupCode.ChainBroken,
  GroupCode.BadChange,
  GroupCode.LastAdmin,
  GroupCode.TooManyMembers,
  GroupCode.WrongGroup,
] as const;

/**
 * Every non-empty GroupChangeResult.code: the relay's, the chain's, a member who is
 * not registered (E_UNKNOWN_USER), and a store that refused the write
 * (E_DISK_FULL, E_INTERNAL: try again later).
 */
export type GroupResultCodeValue =
  | (typeof GroupResultCode)[keyof typeof GroupResultCode]
  | (typeof GROUP_CHANGE_CODES)[number]
  | typeof SessionCode.UnknownUser
  | typeof SessionCode.DiskFull
  | typeof SessionCode.Internal;

/**
 * Everything a relay may send as Error.code, GroupChangeResult.code, GroupResendResult.code
 * or a file frame's code (FilePutResult, FileGetResult, FileChunkAck; E_FILE_CHUNK_ORDER in
 * Error).
 */
export type RelayWireCode =
  | SessionCodeValue
  | ProtocolCodeValue
  | GroupResultCodeValue
  | GroupResendCodeValue
  | FileCodeValue;

/** Every code in RelayWireCode, for the documentation test. */
export const RELAY_WIRE_CODES: readonly RelayWireCode[] = [
  ...Object.values(SessionCode),
  ...Object.values(ProtocolCode),
  ...Object.values(GroupResultCode),
  ...Object.values(GroupResendCode),
  ...GROUP_CHANGE_CODES,
  ...Object.values(FileCode),
];

/**
 * A store refusal ('disk-full', 'internal': store/relay-store.ts) as the code the relay
 * sends for it and says in its log (E_DISK_FULL, E_INTERNAL): one code for a full disk in
 * the log, where the file policy's warning said 'disk-full' beside E_DISK_FULL (the relay
 * operator's trial). Clients name it E_RELAY_DISK_FULL (src/peer).
 */
export const STORE_REFUSAL_CODES = {
  'disk-full': SessionCode.DiskFull,
  internal: SessionCode.Internal,
} as const;

/** The relay's own failures: thrown from startRelay or logged, never sent. */
export const RelayFailureCode = {
  AddressInUse: 'E_ADDRESS_IN_USE',
  Locked: 'E_RELAY_LOCKED',
  KeyCorrupt: 'E_RELAY_KEY_CORRUPT',
  StoreOpen: 'E_STORE_OPEN',
  StoreClosed: 'E_STORE_CLOSED',
  SeqExhausted: 'E_STORE_SEQ',
  /** --cluster: no NATS server answered, or JetStream did not answer in time. */
  ClusterUnreachable: 'E_CLUSTER_UNREACHABLE',
  /** --cluster: the NATS server answered, but runs without JetStream (no -js). */
  ClusterNoJetStream: 'E_CLUSTER_NO_JETSTREAM',
  /**
   * --cluster-replicas differs from the replicas of the cluster's streams and buckets,
   * they differ among themselves, or JetStream has too few nodes for the count.
   */
  ClusterReplicas: 'E_CLUSTER_REPLICAS',
  /** --cluster with tls:// URLs or --cluster-ca: the NATS server offers no TLS. */
  ClusterTls: 'E_CLUSTER_TLS',
  /** --cluster on a data directory that holds a standalone relay's users and mail. */
  StandaloneData: 'E_RELAY_STANDALONE_DATA',
} as const;

export type RelayFailureCodeValue = (typeof RelayFailureCode)[keyof typeof RelayFailureCode];

/** A relay failure with its stable code. */
export function relayFailure(
  code: RelayFailureCodeValue,
  message: string,
  cause?: unknown,
): NatterError {
  return new NatterError(code, message, cause === undefined ? undefined : { cause });
}
