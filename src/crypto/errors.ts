/**
 * The codes of src/crypto's failures, as one union with a factory (the style of
 * src/relay/errors.ts): callers and tests branch on these, never on message text.
 */
import { errorFactory } from '../util/errors.js';

export const CryptoCode = {
  BadArgument: 'E_BAD_ARGUMENT',
  BadKey: 'E_BAD_KEY',
  BadNonce: 'E_BAD_NONCE',
  BadPassphrase: 'E_BAD_PASSPHRASE',
  BadTag: 'E_BAD_TAG',
  Kdf: 'E_KDF',
  KeyfileCorrupt: 'E_KEYFILE_CORRUPT',
  KeyfileMissing: 'E_KEYFILE_MISSING',
  KeyfileUnreadable: 'E_KEYFILE_UNREADABLE',
  KeyfileWrite: 'E_KEYFILE_WRITE',
  PassphraseEmpty: 'E_PASSPHRASE_EMPTY',
  PassphraseRequired: 'E_PASSPHRASE_REQUIRED',
  KeyfileUnsupported: 'E_KEYFILE_UNSUPPORTED',
} as const;

export type CryptoCodeValue = (typeof CryptoCode)[keyof typeof CryptoCode];

/** An error of this layer with its stable code. */
export const cryptoError = errorFactory<CryptoCodeValue>();
