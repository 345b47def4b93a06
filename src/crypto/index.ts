/**
 * The public crypto API. keyfile.ts is deliberately absent: the relay imports this module and
 * must never be able to load secret keys; clients import './crypto/keyfile.js' directly.
 */
export {
  BOX_OVERHEAD_BYTES,
  BoxKeyring,
  type BoxKeyringOptions,
  DEFAULT_BOX_CACHE_ENTRIES,
  NONCE_BYTES,
  type OpenFailure,
  type OpenResult,
  randomSecretKey,
  SECRET_KEY_BYTES,
  type Sealed,
  secretOpen,
  secretSeal,
  secretSealWithNonce,
} from './box.js';
export {
  type CardSigner,
  cardMessage,
  type SignedCard,
  signCard,
  TAG_CARD,
  verifyCard,
} from './card.js';
export { ChunkOpener } from './chunk-opener.js';
export {
  type FileCipherName,
  fileCipherName,
} from './file-cipher.js';
export { FileCode, type FileCodeValue, fileError } from './file-errors.js';
export {
  checkFileStreamParams,
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_CHUNK_TAG_BYTES,
  FILE_HASH_BYTES,
  FILE_KEY_BYTES,
  FILE_NONCE_PREFIX_BYTES,
  type FileKey,
  type FileStreamParams,
  fileChunkCount,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  newFileKey,
  sealChunk,
} from './file-stream.js';
export {
  checkChangeShape,
  GENESIS_PREV_HASH,
  GROUP_HASH_BYTES,
  GROUP_ID_BYTES,
  type GroupChange,
  type GroupChangeBase,
  type GroupChangeBody,
  type GroupMember,
  type GroupOp,
  type GroupRole,
  groupChangeBytes,
  groupChangeHash,
  groupNameProblem,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_CHARS,
  MAX_GROUP_SEQ,
  TAG_GROUP_CHANGE,
  targetOf,
  type UnsignedGroupChange,
} from './group-change.js';
export { GroupCode, type GroupCodeValue, groupError } from './group-errors.js';
export {
  applyChange,
  type GroupState,
  memberRole,
  newGroupId,
  prepareChange,
  prepareCreate,
  signChange,
  verifyLog,
} from './group-log.js';
export {
  encodeGroupMessageHeader,
  GROUP_MESSAGE_FORMAT,
  GROUP_MESSAGE_HEADER_BYTES,
  GROUP_MESSAGE_ID_BYTES,
  GROUP_NONCE_BYTES,
  GROUP_TAG_BYTES,
  type GroupMessageContext,
  type GroupMessageHeader,
  MAX_GROUP_CHAIN_INDEX,
  MIN_GROUP_MESSAGE_BYTES,
  type ParsedGroupMessage,
  parseGroupMessage,
  peekGroupMessageHeader,
  TAG_GROUP_MESSAGE,
} from './group-message.js';
export {
  assertValidBoxPublicKey,
  assertValidSignPublicKey,
  BOX_PUBLIC_KEY_BYTES,
  BOX_SECRET_KEY_BYTES,
  FINGERPRINT_BYTES,
  fingerprint,
  generateIdentity,
  type Identity,
  identityFromSecrets,
  isValidBoxPublicKey,
} from './keys.js';
export { randomBytes } from './random.js';
export { SAFETY_NUMBER_ITERATIONS, safetyNumber } from './safety.js';
export {
  CHAIN_KEY_BYTES,
  MAX_SKIPPED_GROUP_KEYS,
  newReceiverChain,
  newSenderChain,
  type OpenedGroupMessage,
  openGroupMessage,
  type ReceiverChain,
  ratchetStep,
  type SenderChain,
  type SenderChainShare,
  sealGroupMessage,
  senderChainShare,
} from './sender-keys.js';
export {
  CHAIN_SHARE_FORMAT,
  decodeReceiverChain,
  decodeSenderChain,
  decodeSenderChainShare,
  encodeReceiverChain,
  encodeSenderChain,
  encodeSenderChainShare,
  RECEIVER_CHAIN_FORMAT,
  SENDER_CHAIN_FORMAT,
} from './sender-keys-codec.js';
export {
  authMessage,
  domainMessage,
  generateSigningKeyPair,
  isValidSignPublicKey,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGN_SEED_BYTES,
  SIGNATURE_BYTES,
  type SigningKeyPair,
  sign,
  TAG_BOXKEY,
  TAG_LOGIN_V2,
  TAG_PRESENCE,
  TAG_REGISTER_V2,
  TAG_RELAY,
  verify,
} from './sign.js';
export {
  type StatusClaim,
  signStatus,
  statusMessage,
  TAG_STATUS,
  verifyStatus,
} from './status.js';
