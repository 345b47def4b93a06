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
  verifyBoxKey,
} from './keys.js';
export { randomBytes } from './random.js';
export { SAFETY_NUMBER_ITERATIONS, safetyNumber } from './safety.js';
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
