/**
 * The identity file in a profile directory: saving an identity to it and loading one
 * back, with the secret keys in clear or sealed under a passphrase. The parts live in
 * keyfile-format.ts (the JSON layout and its validation), keyfile-seal.ts (scrypt ->
 * secretbox) and keyfile-io.ts (bounded read, atomic 0600 write).
 *
 * Deliberately not re-exported from src/crypto/index.ts: the relay must never load secret keys.
 * Error messages never contain key material or the passphrase.
 */

import { bytesEqual } from '../util/bytes.js';
import { CryptoCode, cryptoError } from './errors.js';
import {
  corrupt,
  decodeKeyFile,
  decodeSecrets,
  encodeSecrets,
  type KeyFile,
  type PublicParts,
  type Secrets,
  serializeKeyFile,
} from './keyfile-format.js';
import { readKeyFile, writeKeyFile } from './keyfile-io.js';
import { openSealedSecrets, type SealedSecrets, sealSecrets } from './keyfile-seal.js';
import { BOX_SECRET_KEY_BYTES, type Identity, identityFromSecrets, verifyBoxKey } from './keys.js';
import { SIGN_SECRET_KEY_BYTES, SIGN_SEED_BYTES } from './sign.js';

export { KEYFILE_VERSION } from './keyfile-format.js';
export { keyFileModeIsPrivate, MAX_KEYFILE_BYTES } from './keyfile-io.js';
export { MAX_SCRYPT_MEMORY_BYTES, SCRYPT_N, SCRYPT_P, SCRYPT_R } from './keyfile-seal.js';

export interface KeyFileOptions {
  /** Seal (save) or unseal (load) the secret keys with this passphrase, NFKC-normalised. Default: none. */
  passphrase?: string;
}

export async function saveIdentity(
  path: string,
  identity: Identity,
  options: KeyFileOptions = {},
): Promise<void> {
  assertConsistent(identity);
  const { signPk, boxPk, boxSig } = identity;
  const secret: Secrets = {
    signSeed: identity.signSk.subarray(0, SIGN_SEED_BYTES),
    boxSk: identity.boxSk,
  };
  if (options.passphrase === undefined) {
    await writeKeyFile(path, serializeKeyFile({ signPk, boxPk, boxSig, secret }));
    return;
  }
  if (options.passphrase.length === 0) {
    throw cryptoError(CryptoCode.PassphraseEmpty, 'save identity: passphrase must not be empty');
  }
  const plaintext = encodeSecrets(secret);
  const sealed = await sealSecrets(plaintext, options.passphrase).finally(() => plaintext.fill(0));
  await writeKeyFile(path, serializeKeyFile({ signPk, boxPk, boxSig, sealed }));
}

export async function loadIdentity(path: string, options: KeyFileOptions = {}): Promise<Identity> {
  const file = await readAndDecode(path);
  const secrets = file.sealed === undefined ? file.secret : await unseal(file.sealed, options);
  const identity = identityFromSecrets(secrets.signSeed, secrets.boxSk);
  secrets.signSeed.fill(0);
  secrets.boxSk.fill(0);
  if (!publicPartsMatch(identity, file)) {
    throw corrupt('public keys or box key signature do not match the secret keys');
  }
  return identity;
}

/**
 * The signing public key (the user id), stored in the clear beside sealed secrets: no
 * passphrase asked, nothing secret read out. Throws like loadIdentity.
 */
export async function readSignPublicKey(path: string): Promise<Uint8Array> {
  return (await readAndDecode(path)).signPk.slice();
}

/** True when the file's secret keys need a passphrase. Throws like loadIdentity. */
export async function isIdentitySealed(path: string): Promise<boolean> {
  return (await readAndDecode(path)).sealed !== undefined;
}

async function readAndDecode(path: string): Promise<KeyFile> {
  const bytes = await readKeyFile(path);
  try {
    return decodeKeyFile(bytes);
  } finally {
    bytes.fill(0);
  }
}

async function unseal(sealed: SealedSecrets, options: KeyFileOptions): Promise<Secrets> {
  if (options.passphrase === undefined) {
    throw cryptoError(CryptoCode.PassphraseRequired, 'load identity: key file is sealed');
  }
  const opened = await openSealedSecrets(sealed, options.passphrase);
  if (opened === null) {
    throw cryptoError(CryptoCode.BadPassphrase, 'load identity: wrong passphrase');
  }
  try {
    return decodeSecrets(opened);
  } finally {
    opened.fill(0);
  }
}

// Saving a spliced identity would produce a file that can never be loaded; refuse it up front.
function assertConsistent(identity: Identity): void {
  const { signSk, boxSk } = identity;
  if (
    signSk.byteLength !== SIGN_SECRET_KEY_BYTES ||
    boxSk.byteLength !== BOX_SECRET_KEY_BYTES ||
    !publicPartsMatch(identityFromSecrets(signSk.subarray(0, SIGN_SEED_BYTES), boxSk), identity)
  ) {
    throw cryptoError(CryptoCode.BadKey, 'save identity: public keys do not match the secret keys');
  }
}

function publicPartsMatch(derived: Identity, claimed: PublicParts): boolean {
  return (
    bytesEqual(derived.signPk, claimed.signPk) &&
    bytesEqual(derived.boxPk, claimed.boxPk) &&
    verifyBoxKey(claimed.signPk, claimed.boxPk, claimed.boxSig)
  );
}
